#include "runtime/node/agent_command.hpp"

#include "actors/agent/agent_supervisor.hpp"
#include "config/agent_config.hpp"
#include "lib/text/redact.hpp"
#include "runtime/node/agent_node.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/node_system_config.hpp"

#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

spdlog::level::level_enum spdlog_level(config::log_level level) {
  switch (level) {
    case config::log_level::trace:
      return spdlog::level::trace;
    case config::log_level::debug:
      return spdlog::level::debug;
    case config::log_level::warn:
      return spdlog::level::warn;
    case config::log_level::error:
      return spdlog::level::err;
    case config::log_level::info:
      break;
  }
  return spdlog::level::info;
}

} // namespace

bool agent_config_uses_caf(int argc, char** argv) {
  std::string path;
  for (int i = 0; i + 1 < argc; ++i)
    if (std::string_view{argv[i]} == "-c" || std::string_view{argv[i]} == "--config")
      path = argv[i + 1];
  config::agent_config cfg;
  return !path.empty() && config::load_agent_config_file(path, cfg).empty()
         && cfg.server.transport == config::push_transport::caf;
}

int agent_command(int argc, char** argv, const agent_remoting* remoting) {
  // An agent runs on every server and must stay small: one malloc arena
  // for all its threads (not one per thread), and buffers of a scrape's
  // size handed back to the kernel when freed, not kept for the next one.
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_MMAP_THRESHOLD, 32 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 64 * 1024);
  std::string config_path;
  config::agent_config cfg;
  if (!read_config(argc, argv, "agent", config::load_agent_config_file, config_path, cfg))
    return 2;
  spdlog::set_level(spdlog_level(cfg.logging.level));
  bool caf_transport = cfg.server.transport == config::push_transport::caf;
  auto tls_of = [](const config::agent_config& c) {
    return remoting_tls{c.server.tls.ca_file, c.server.tls.cert_file, c.server.tls.key_file};
  };
  auto tls = tls_of(cfg);
  std::string error;
  if (caf_transport && remoting == nullptr)
    return refuse("agent", "server.transport caf: this binary leaves CAF's middleman out to "
                           "stay small; run `nodepulse agent -c "
                             + config_path + "`");
  if (caf_transport && !remoting->check_tls(tls, error))
    return refuse("agent", "server.tls: " + error);

  node_system_config sys_cfg;
  // Few threads: an agent lives on every server and must stay small.
  sys_cfg.set("scheduler.max-threads", 1);
  if (caf_transport)
    remoting->enable(sys_cfg, tls);
  auto reread = [config_path, transport = cfg.server.transport, tls,
                 tls_of](config::agent_config& fresh) {
    if (!load_config_reporting(config_path, fresh, config::load_agent_config_file))
      return false;
    // The middleman and its TLS files are part of the actor system, made once.
    if (fresh.server.transport != transport
        || (transport == config::push_transport::caf && tls_of(fresh) != tls)) {
      std::fprintf(stderr,
                   "%s: server.transport and, with transport caf, server.tls are "
                   "read at start only: restart the agent to change them\n",
                   config_path.c_str());
      return false;
    }
    return true;
  };
  return run_node(
    sys_cfg, "agent",
    [&](caf::actor_system& sys, int& exit_code) {
      agent_supervisor_settings settings;
      std::string server_id;
      auto route = caf_transport ? remoting->route(sys) : http_push_route();
      exit_code = make_agent_node(cfg, route, reread, settings, server_id, error);
      if (exit_code != 0) {
        refuse("agent", error);
        return caf::actor{};
      }
      spdlog::info(
        "agent: server {} scrapes {} endpoints{}, pushes to {}; WAL {}; status on "
        "http://{}",
        server_id, settings.plan.targets.size(),
        settings.plan.discovery.empty()
          ? std::string{}
          : " and looks for exporters on " + std::to_string(settings.plan.discovery.size())
              + " loopback ports",
        caf_transport ? "caf://" + cfg.server.endpoint : text::redact_url(cfg.server.endpoint),
        cfg.buffer.enabled ? cfg.buffer.path : std::string{"off (memory only)"}, cfg.status.listen);
      return caf::actor_cast<caf::actor>(sys.spawn(agent_supervisor, std::move(settings)));
    },
    true);
}

} // namespace nodepulse::node
