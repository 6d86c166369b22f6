#include "runtime/node/digest_command.hpp"

#include "actors/digest/digest_supervisor.hpp"
#include "config/digest_config.hpp"
#include "runtime/node/digest_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"
#include "runtime/node/signals.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

namespace nodepulse::node {

int digest_command(int argc, char** argv) {
  std::string config_path;
  if (!config_argument(argc, argv, "digest", config_path))
    return 2;
  config::digest_config cfg;
  if (!load_config_reporting(config_path, cfg, config::load_digest_config_file))
    return 2;
  digest_supervisor_settings settings;
  std::string summary, error;
  if (!make_digest_node(cfg, settings, summary, error)) {
    std::fprintf(stderr, "nodepulse digest: %s\n", error.c_str());
    return 2;
  }

  block_termination_signals(); // before CAF starts its threads
  node_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto supervisor = sys.spawn(digest_supervisor, settings);
  spdlog::info("digest: {}", summary);
  int exit_code = run_until_stopped(sys, caf::actor_cast<caf::actor>(supervisor), "digest");
  spdlog::info("digest: stopped");
  return exit_code;
}

} // namespace nodepulse::node
