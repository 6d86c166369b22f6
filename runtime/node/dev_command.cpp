#include "runtime/node/dev_command.hpp"

#include "actors/agent/in_process_push.hpp"
#include "config/dev_config.hpp"
#include "lib/guard/basp_guard.hpp"
#include "runtime/node/agent_node.hpp"
#include "runtime/node/digest_node.hpp"
#include "runtime/node/ingest_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace nodepulse::node {

namespace {

// The root of the dev node: linked to the three supervisors, so stopping it
// stops them all, and one of them quitting with an error stops the node
// with that reason. Its state holds their handles: a link does not keep an
// actor alive, and nothing else in the process refers to the digest.
struct dev_root_state {
  static inline constexpr const char* name = "dev_root";
  std::vector<caf::actor> supervisors;
};

caf::behavior dev_root(caf::stateful_actor<dev_root_state>* self, caf::actor ingest,
                       caf::actor digest, agent_supervisor_actor agent) {
  self->state.supervisors = {ingest, digest, caf::actor_cast<caf::actor>(agent)};
  for (const auto& supervisor : self->state.supervisors)
    self->link_to(supervisor);
  return {
    [agent](reload_atom) { caf::anon_send(agent, reload_atom::value); },
  };
}

} // namespace

int dev_command(int argc, char** argv) {
  std::string config_path;
  config::dev_config cfg;
  if (!read_config(argc, argv, "dev", config::load_dev_config_file, config_path, cfg))
    return 2;
  ingest_children ingest_kids;
  digest_supervisor_settings digest_settings;
  std::string ingest_summary, digest_summary, error;
  std::shared_ptr<guard::basp_guard_stats> caf_guard_stats;
  if (!make_ingest_node(cfg.ingest, ingest_kids, caf_guard_stats, ingest_summary, error)
      || !make_digest_node(cfg.digest, digest_settings, digest_summary, error))
    return refuse("dev", error);

  node_system_config sys_cfg;
  if (!cfg.ingest.caf.listen.empty()) // other agents may push here over CAF
    enable_remoting(sys_cfg, gateway_tls(cfg.ingest));
  std::unique_ptr<guard::basp_guard> guard; // in front of CAF's port, while the node runs
  return run_node(
    sys_cfg, "dev",
    [&](caf::actor_system& sys, int& exit_code) {
      auto ingest = sys.spawn(ingest_supervisor, ingest_kids);
      auto give_up = [&] {
        refuse("dev", error);
        caf::anon_send_exit(ingest, caf::exit_reason::user_shutdown);
        return caf::actor{};
      };
      if (!start_ingest_gateway(sys, ingest, cfg.ingest, caf_guard_stats, guard, error))
        return give_up();
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
      exit_code = make_agent_node(cfg.agent, in_process, reread, agent_settings, server_id, error);
      if (exit_code != 0)
        return give_up();
      auto digest = sys.spawn(digest_supervisor, digest_settings);
      auto agent = sys.spawn(agent_supervisor, std::move(agent_settings));
      spdlog::info("dev: ingest {}", ingest_summary);
      spdlog::info("dev: digest {}", digest_summary);
      spdlog::info("dev: agent as server {} scraping {} endpoints into the ingest in this "
                   "process; WAL {}; status on http://{}",
                   server_id, cfg.agent.prometheus.endpoints.size(), cfg.agent.buffer.path,
                   cfg.agent.status.listen);
      return sys.spawn(dev_root, caf::actor_cast<caf::actor>(ingest),
                       caf::actor_cast<caf::actor>(digest), agent);
    },
    true);
}

} // namespace nodepulse::node
