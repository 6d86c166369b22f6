#include "runtime/node/digest_command.hpp"

#include "actors/digest/digest_supervisor.hpp"
#include "config/digest_config.hpp"
#include "runtime/node/digest_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace nodepulse::node {

int digest_command(int argc, char** argv) {
  std::string config_path;
  config::digest_config cfg;
  if (!read_config(argc, argv, "digest", config::load_digest_config_file, config_path, cfg))
    return 2;
  digest_supervisor_settings settings;
  std::string summary, error;
  if (!make_digest_node(cfg, settings, summary, error))
    return refuse("digest", error);
  node_system_config sys_cfg;
  return run_node(sys_cfg, "digest", [&](caf::actor_system& sys, int&) {
    spdlog::info("digest: {}", summary);
    return caf::actor_cast<caf::actor>(sys.spawn(digest_supervisor, settings));
  });
}

} // namespace nodepulse::node
