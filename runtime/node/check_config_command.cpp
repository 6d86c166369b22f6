#include "runtime/node/check_config_command.hpp"

#include "config/agent_config.hpp"
#include "config/dev_config.hpp"
#include "config/digest_config.hpp"
#include "config/ingest_config.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

constexpr const char* usage =
  "usage: nodepulse check-config [--role agent|ingest|digest|dev] -c FILE\n"
  "  Loads FILE as the role's config and prints every problem as\n"
  "  `FILE: line L, column C: key: problem`. The role defaults to the file\n"
  "  name (ingest.yml -> ingest).\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "nodepulse check-config: %s\n%s", what.c_str(), usage);
  return 2;
}

// "ingest" from ".../ingest.yml" or "ingest.yaml"; "agent" from the
// agent's installed name, nodepulse.yml, too; "" otherwise.
std::string role_from_file_name(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (const char* ext : {".yml", ".yaml"}) {
    for (const char* role : {"agent", "ingest", "digest", "dev"})
      if (name == std::string{role} + ext)
        return role;
    if (name == std::string{"nodepulse"} + ext)
      return "agent";
  }
  return "";
}

} // namespace

int check_config_command(int argc, char** argv) {
  std::string path, role;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc)
      path = argv[++i];
    else if (a == "--role" && i + 1 < argc)
      role = argv[++i];
    else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else
      return usage_error("unexpected argument '" + std::string{a} + "'");
  }
  if (path.empty())
    return usage_error("no config file given (-c FILE)");
  if (role.empty())
    role = role_from_file_name(path);
  if (role.empty())
    return usage_error("cannot tell the role from '" + path + "': give --role");
  std::vector<config::config_error> problems;
  if (role == "agent") {
    config::agent_config cfg;
    problems = config::load_agent_config_file(path, cfg);
  } else if (role == "ingest") {
    config::ingest_config cfg;
    problems = config::load_ingest_config_file(path, cfg);
  } else if (role == "digest") {
    config::digest_config cfg;
    problems = config::load_digest_config_file(path, cfg);
  } else if (role == "dev") {
    config::dev_config cfg;
    problems = config::load_dev_config_file(path, cfg);
  } else {
    return usage_error("no such role '" + role + "' (agent, ingest, digest, dev)");
  }
  if (problems.size() == 1 && problems[0].line == 0 && problems[0].key.empty()) {
    std::fprintf(stderr, "nodepulse check-config: %s\n", problems[0].message.c_str());
    return 2; // unreadable file
  }
  for (const auto& p : problems)
    std::fprintf(stderr, "%s: %s\n", path.c_str(), p.to_string().c_str());
  if (!problems.empty())
    return 1;
  std::printf("%s: ok (%s config)\n", path.c_str(), role.c_str());
  return 0;
}

} // namespace nodepulse::node
