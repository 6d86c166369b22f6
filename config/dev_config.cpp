#include "config/dev_config.hpp"

#include "config/role_readers.hpp"
#include "config/yaml_reader.hpp"

namespace nodepulse::config {

std::vector<config_error> load_dev_config(const std::string& text, dev_config& cfg) {
  std::vector<config_error> errors;
  YAML::Node doc = parse_yaml(text, errors);
  if (!errors.empty())
    return errors;
  yaml_reader top{doc, "", errors};
  top.section("agent", [&](yaml_reader& r) { read_agent_config(r, cfg.agent, "agent.", errors); });
  top.section("ingest", [&](yaml_reader& r) { read_ingest_config(r, cfg.ingest); });
  top.section("digest", [&](yaml_reader& r) { read_digest_config(r, cfg.digest); });
  top.finish();
  sort_by_position(errors);
  return errors;
}

std::vector<config_error> load_dev_config_file(const std::string& path, dev_config& cfg) {
  return load_config_file(path, cfg, load_dev_config);
}

} // namespace nodepulse::config
