#include "runtime/node/agent_command.hpp"

#include "actors/agent/agent_supervisor.hpp"
#include "actors/agent/buffer.hpp"
#include "actors/agent/pusher.hpp"
#include "actors/agent/scraper.hpp"
#include "config/agent_config.hpp"
#include "runtime/agent/http_client.hpp"
#include "runtime/agent/scrape_text.hpp"
#include "runtime/agent/server_identity.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/read_input.hpp"
#include "runtime/node/signals.hpp"

#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace nodepulse::node {

namespace {

struct agent_system_config : caf::actor_system_config {
  agent_system_config() {
    add_message_types<caf::id_block::nodepulse>();
  }
};

std::string trimmed(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

http::content_encoding encoding_named(const std::string& name) {
  if (name == "gzip")
    return http::content_encoding::gzip;
  if (name == "none")
    return http::content_encoding::identity;
  return http::content_encoding::zstd;
}

// The plan a config gives, for the agent pushing as `server_id`; false
// (with the reason) when the token file cannot be read.
bool make_plan(const config::agent_config& cfg, const std::string& server_id, agent_plan& plan,
               std::string& error) {
  plan = {};
  if (cfg.prometheus.enabled) {
    for (const auto& ep : cfg.prometheus.endpoints) {
      scrape_target t;
      t.job = ep.name;
      t.url = ep.url;
      t.interval = std::chrono::milliseconds{ep.interval_ms != 0 ? ep.interval_ms
                                                                 : cfg.agent.interval_ms};
      t.timeout = std::chrono::milliseconds{
        ep.timeout_ms != 0 ? ep.timeout_ms : std::min<int64_t>(t.interval.count(), 10'000)};
      // The same place in every interval for this server and endpoint, a
      // different one for the next server: a fleet spreads its scrapes.
      t.offset = std::chrono::milliseconds{std::hash<std::string>{}(server_id + ep.url)
                                           % static_cast<size_t>(t.interval.count())};
      plan.targets.push_back(std::move(t));
    }
  }
  auto& p = plan.pusher;
  p.server_id = server_id;
  p.legacy_json = cfg.server.format == "json";
  p.encoding = encoding_named(cfg.server.compression);
  p.replay_per_second = static_cast<double>(cfg.server.replay_rate);
  if (!cfg.server.token_file.empty()) {
    std::string token;
    if (!read_input(cfg.server.token_file, token, error)) {
      error = "server.token_file: " + error;
      return false;
    }
    p.token = trimmed(std::move(token));
  }
  auto url = cfg.server.endpoint;
  url += url.find('?') == std::string::npos ? "?server_id=" : "&server_id=";
  url += server_id;
  auto client = std::make_shared<agent::http_client>(
    agent::tls_files{cfg.server.tls.ca_file, cfg.server.tls.cert_file, cfg.server.tls.key_file});
  p.post = [client, url, timeout = cfg.server.timeout_ms](const std::string& body,
                                                          const agent::header_list& headers) {
    return client->post(url, body, headers, timeout);
  };
  return true;
}

wal::fsync_policy fsync_named(const std::string& name) {
  if (name == "interval")
    return wal::fsync_policy::interval;
  if (name == "never")
    return wal::fsync_policy::never;
  return wal::fsync_policy::always;
}

} // namespace

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
  std::string error;
  auto server_id = agent::resolve_server_id(cfg.agent.server_id, cfg.buffer.path, error);
  if (server_id.empty()) {
    std::fprintf(stderr, "nodepulse agent: agent.server_id: %s\n", error.c_str());
    return 1;
  }
  agent_supervisor_settings settings;
  if (!make_plan(cfg, server_id, settings.plan, error)) {
    std::fprintf(stderr, "nodepulse agent: %s\n", error.c_str());
    return 2;
  }
  split_listen(cfg.status.listen, settings.status.host, settings.status.port);
  buffer_settings buffer;
  buffer.durable = cfg.buffer.enabled;
  buffer.wal.dir = cfg.buffer.path;
  buffer.wal.max_bytes = static_cast<uint64_t>(cfg.buffer.max_size_mb) << 20;
  buffer.wal.retention_ms = cfg.buffer.retention_hours * 3'600'000;
  buffer.wal.fsync = fsync_named(cfg.buffer.fsync);
  settings.spawn_buffer = [buffer](caf::local_actor* self) {
    return self->spawn<caf::detached>(nodepulse::buffer, buffer);
  };
  settings.spawn_pusher = [](caf::local_actor* self, const pusher_settings& p,
                             const buffer_actor& b) {
    return self->spawn<caf::detached>(pusher, p, b);
  };
  settings.spawn_scraper = [](caf::local_actor* self, const scrape_target& t,
                              const buffer_actor& b, const pusher_actor& p) {
    scraper_settings s;
    s.job = t.job;
    s.url = t.url;
    s.interval = t.interval;
    s.timeout = t.timeout;
    s.offset = t.offset;
    auto client = std::make_shared<agent::http_client>();
    s.fetch = [client, url = t.url, timeout = t.timeout.count()] {
      return client->get(url, agent::scrape_accept, timeout);
    };
    return self->spawn<caf::detached>(scraper, std::move(s), b, p);
  };
  settings.reload = [config_path, server_id,
                     running = cfg]() mutable -> std::optional<agent_plan> {
    config::agent_config fresh;
    if (!load_config_reporting(config_path, fresh, config::load_agent_config_file))
      return std::nullopt;
    if (fresh.buffer.path != running.buffer.path || fresh.agent.server_id != running.agent.server_id
        || fresh.status.listen != running.status.listen)
      spdlog::warn("agent: buffer.*, agent.server_id and status.listen take effect at the "
                   "next restart");
    agent_plan plan;
    std::string error;
    if (!make_plan(fresh, server_id, plan, error)) {
      spdlog::error("agent: {}", error);
      return std::nullopt;
    }
    running = fresh;
    return plan;
  };

  block_termination_signals(); // before CAF starts its threads
  agent_system_config sys_cfg;
  // Few threads: an agent lives on every server and must stay small.
  sys_cfg.set("scheduler.max-threads", 1);
  sys_cfg.set("scheduler.policy", caf::atom("sharing"));
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
