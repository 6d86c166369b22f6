#include "runtime/node/agent_command.hpp"

#include "actors/agent/agent_supervisor.hpp"
#include "config/agent_config.hpp"
#include "runtime/node/agent_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"
#include "runtime/node/signals.hpp"

#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

namespace nodepulse::node {

int agent_command(int argc, char** argv) {
  // An agent runs on every server and must stay small: one malloc arena
  // for all its threads (not one per thread), and buffers of a scrape's
  // size handed back to the kernel when freed, not kept for the next one.
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_MMAP_THRESHOLD, 32 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 64 * 1024);
  std::string config_path;
  if (!config_argument(argc, argv, "agent", config_path))
    return 2;
  config::agent_config cfg;
  if (!load_config_reporting(config_path, cfg, config::load_agent_config_file))
    return 2;
  if (auto level = spdlog::level::from_str(cfg.logging.level); level != spdlog::level::off)
    spdlog::set_level(level);
  agent_supervisor_settings settings;
  std::string server_id, error;
  auto reread = [config_path](config::agent_config& fresh) {
    return load_config_reporting(config_path, fresh, config::load_agent_config_file);
  };
  if (int code = make_agent_node(cfg, http_push_route(), reread, settings, server_id, error)) {
    std::fprintf(stderr, "nodepulse agent: %s\n", error.c_str());
    return code;
  }

  block_termination_signals(); // before CAF starts its threads
  node_system_config sys_cfg;
  // Few threads: an agent lives on every server and must stay small.
  sys_cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{sys_cfg};
  spdlog::info("agent: server {} scrapes {} endpoints, pushes to {}; WAL {}; status on http://{}",
               server_id, settings.plan.targets.size(), cfg.server.endpoint,
               cfg.buffer.enabled ? cfg.buffer.path : std::string{"off (memory only)"},
               cfg.status.listen);
  auto supervisor = sys.spawn(agent_supervisor, std::move(settings));
  int exit_code = run_until_stopped(sys, caf::actor_cast<caf::actor>(supervisor), "agent",
                                    [supervisor] {
                                      spdlog::info("agent: SIGHUP received, reloading {}",
                                                   "the config");
                                      caf::anon_send(supervisor, reload_atom::value);
                                    });
  spdlog::info("agent: stopped");
  return exit_code;
}

} // namespace nodepulse::node
