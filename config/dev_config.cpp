#include "config/dev_config.hpp"

#include "config/role_readers.hpp"
#include "config/yaml_reader.hpp"

namespace nodepulse::config {

std::vector<config_error> load_dev_config(const std::string& text, dev_config& cfg) {
  return load_config_text(text, [&](yaml_reader& top, std::vector<config_error>& errors) {
    top.section("agent",
                [&](yaml_reader& r) { read_agent_config(r, cfg.agent, "agent.", errors); });
    top.section("ingest", [&](yaml_reader& r) { read_ingest_config(r, cfg.ingest); });
    top.section("digest", [&](yaml_reader& r) { read_digest_config(r, cfg.digest); });
  });
}

std::vector<config_error> load_dev_config_file(const std::string& path, dev_config& cfg) {
  return load_config_file(path, cfg, load_dev_config);
}

} // namespace nodepulse::config
