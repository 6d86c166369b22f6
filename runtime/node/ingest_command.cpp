#include "runtime/node/ingest_command.hpp"

#include "actors/ingest/ingest_supervisor.hpp"
#include "config/ingest_config.hpp"
#include "lib/guard/basp_guard.hpp"
#include "runtime/node/ingest_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"
#include "runtime/node/open_files.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace nodepulse::node {

int ingest_command(int argc, char** argv) {
  std::string config_path;
  config::ingest_config cfg;
  if (!read_config(argc, argv, "ingest", config::load_ingest_config_file, config_path, cfg))
    return 2;
  ingest_children children;
  std::string summary, error;
  std::shared_ptr<guard::basp_guard_stats> caf_guard_stats;
  if (!make_ingest_node(cfg, children, caf_guard_stats, summary, error))
    return refuse("ingest", error);
  // Each CAF agent takes three descriptors: the guard's two and CAF's own.
  uint64_t needed =
    static_cast<uint64_t>(cfg.limits.max_connections) + spare_file_descriptors
    + (cfg.caf.listen.empty() ? 0 : 3 * static_cast<uint64_t>(cfg.caf.max_connections));
  uint64_t raised_from = 0;
  if (!ensure_open_files(needed,
                         "limits.max_connections " + std::to_string(cfg.limits.max_connections),
                         raised_from, error))
    return refuse("ingest", error);
  if (raised_from > 0)
    spdlog::info("ingest: open-files limit raised from {} to {} for limits.max_connections {}",
                 raised_from, needed, cfg.limits.max_connections);

  node_system_config sys_cfg;
  if (!cfg.caf.listen.empty())
    enable_remoting(sys_cfg, gateway_tls(cfg));
  std::unique_ptr<guard::basp_guard> guard; // in front of CAF's port, while the node runs
  return run_node(
    sys_cfg, "ingest",
    [&](caf::actor_system& sys, int&) {
      auto supervisor = sys.spawn(ingest_supervisor, children);
      if (!start_ingest_gateway(sys, supervisor, cfg, caf_guard_stats, guard, error)) {
        refuse("ingest", error);
        caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
        return caf::actor{};
      }
      spdlog::info("ingest: starting {}", summary);
      return caf::actor_cast<caf::actor>(supervisor);
    },
    true); // SIGHUP: the tokens file again
}

} // namespace nodepulse::node
