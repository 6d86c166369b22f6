#include "runtime/node/dev_command.hpp"

#include "actors/agent/in_process_push.hpp"
#include "config/dev_config.hpp"
#include "runtime/node/agent_node.hpp"
#include "runtime/node/digest_node.hpp"
#include "runtime/guard/basp_guard.hpp"
#include "runtime/node/ingest_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"
#include "runtime/node/signals.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

namespace nodepulse::node {

namespace {

// The root of the dev node: linked to the three supervisors, so stopping it
// stops them all, and one of them quitting with an error stops the node
// with that reason.
caf::behavior dev_root(caf::event_based_actor* self, caf::actor ingest, caf::actor digest,
                       agent_supervisor_actor agent) {
  self->link_to(ingest);
  self->link_to(digest);
  self->link_to(agent);
  return {
    [agent](reload_atom) { caf::anon_send(agent, reload_atom::value); },
  };
}

} // namespace

int dev_command(int argc, char** argv) {
  std::string config_path;
  if (!config_argument(argc, argv, "dev", config_path))
    return 2;
  config::dev_config cfg;
  if (!load_config_reporting(config_path, cfg, config::load_dev_config_file))
    return 2;
  ingest_children ingest_kids;
  digest_supervisor_settings digest_settings;
  std::string ingest_summary, digest_summary, error;
  std::shared_ptr<guard::basp_guard_stats> caf_guard_stats;
  if (!make_ingest_node(cfg.ingest, ingest_kids, caf_guard_stats, ingest_summary, error)
      || !make_digest_node(cfg.digest, digest_settings, digest_summary, error)) {
    std::fprintf(stderr, "nodepulse dev: %s\n", error.c_str());
    return 2;
  }

  block_termination_signals(); // before CAF starts its threads
  node_system_config sys_cfg;
  if (!cfg.ingest.caf.listen.empty()) // other agents may push here over CAF
    enable_remoting(sys_cfg, gateway_tls(cfg.ingest));
  caf::actor_system sys{sys_cfg};
  auto ingest = sys.spawn(ingest_supervisor, ingest_kids);
  std::unique_ptr<guard::basp_guard> guard; // in front of CAF's port, while the node runs
  if (!start_ingest_gateway(sys, ingest, cfg.ingest, caf_guard_stats, guard, error)) {
    std::fprintf(stderr, "nodepulse dev: %s\n", error.c_str());
    caf::anon_send_exit(ingest, caf::exit_reason::user_shutdown);
    return 1;
  }
  // The agent's pushes go to this ingest as messages: the path they would
  // take over HTTP, without the socket.
  push_route in_process = [ingest](const config::agent_config& agent,
                                   const std::string& server_id) {
    return in_process_push(ingest, push_target(agent, server_id),
                           std::chrono::milliseconds{agent.server.timeout_ms});
  };
  auto reread = [config_path](config::agent_config& fresh) {
    config::dev_config all;
    if (!load_config_reporting(config_path, all, config::load_dev_config_file))
      return false;
    fresh = all.agent;
    return true;
  };
  agent_supervisor_settings agent_settings;
  std::string server_id;
  if (int code = make_agent_node(cfg.agent, in_process, reread, agent_settings, server_id,
                                 error)) {
    std::fprintf(stderr, "nodepulse dev: %s\n", error.c_str());
    caf::anon_send_exit(ingest, caf::exit_reason::user_shutdown);
    return code;
  }
  auto digest = sys.spawn(digest_supervisor, digest_settings);
  auto agent = sys.spawn(agent_supervisor, std::move(agent_settings));
  spdlog::info("dev: ingest {}", ingest_summary);
  spdlog::info("dev: digest {}", digest_summary);
  spdlog::info("dev: agent as server {} scraping {} endpoints into the ingest in this "
               "process; WAL {}; status on http://{}",
               server_id, cfg.agent.prometheus.endpoints.size(), cfg.agent.buffer.path,
               cfg.agent.status.listen);
  auto root = sys.spawn(dev_root, caf::actor_cast<caf::actor>(ingest),
                        caf::actor_cast<caf::actor>(digest), agent);
  int exit_code = run_until_stopped(sys, root, "dev", [root] {
    spdlog::info("dev: SIGHUP received, reloading the agent's config");
    caf::anon_send(root, reload_atom::value);
  });
  spdlog::info("dev: stopped");
  return exit_code;
}

} // namespace nodepulse::node
