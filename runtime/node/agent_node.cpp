#include "runtime/node/agent_node.hpp"

#include "actors/agent/buffer.hpp"
#include "actors/agent/discoverer.hpp"
#include "actors/agent/pusher.hpp"
#include "actors/agent/scraper.hpp"
#include "lib/agent/http_client.hpp"
#include "lib/agent/scrape_text.hpp"
#include "lib/agent/server_identity.hpp"
#include "lib/base/read_input.hpp"
#include "lib/text/ascii.hpp"
#include "runtime/node/node_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>

namespace nodepulse::node {

namespace {

// The plan a config gives, for the agent pushing as `server_id`; false
// (with the reason) when the token file cannot be read.
bool make_plan(const config::agent_config& cfg, const std::string& server_id,
               const push_route& route, agent_plan& plan, std::string& error) {
  plan = {};
  auto target = [&](const config::scrape_endpoint& ep) {
    scrape_target t;
    t.job = ep.name;
    t.url = ep.url;
    t.interval = std::chrono::milliseconds{config::scrape_interval_ms(cfg, ep)};
    t.timeout = std::chrono::milliseconds{config::scrape_timeout_ms(cfg, ep)};
    // The same place in every interval for this server and endpoint, a
    // different one for the next server: a fleet spreads its scrapes.
    t.offset = std::chrono::milliseconds{std::hash<std::string>{}(server_id + ep.url)
                                         % static_cast<size_t>(t.interval.count())};
    if (!ep.rules.empty())
      t.filter = std::make_shared<const agent::metric_filter>(ep.rules);
    return t;
  };
  if (cfg.prometheus.enabled)
    for (const auto& ep : cfg.prometheus.endpoints)
      plan.targets.push_back(target(ep));
  if (cfg.discover.enabled)
    for (const auto& ep : cfg.discover.candidates) {
      // An exporter the config lists already is scraped as the config says.
      bool configured = std::any_of(plan.targets.begin(), plan.targets.end(), [&](const auto& t) {
        return t.url == ep.url || t.job == ep.name;
      });
      if (!configured)
        plan.discovery.push_back(target(ep));
    }
  auto& p = plan.pusher;
  p.server_id = server_id;
  p.legacy_json = cfg.server.format == config::push_format::json;
  p.encoding = cfg.server.compression;
  p.replay_per_second = static_cast<double>(cfg.server.replay_rate);
  p.backoff.cap = std::chrono::milliseconds{cfg.server.max_backoff_ms};
  if (!cfg.server.token_file.empty()) {
    std::string token;
    if (!read_input(cfg.server.token_file, token, error)) {
      error = "server.token_file: " + error;
      return false;
    }
    p.token = std::string{text::trim(token)}; // a file ends with a newline
  }
  p.post = route(cfg, server_id);
  return true;
}

} // namespace

push_route http_push_route() {
  return [](const config::agent_config& cfg, const std::string& server_id) {
    auto url = cfg.server.endpoint;
    url += url.find('?') == std::string::npos ? "?server_id=" : "&server_id=";
    url += server_id;
    auto client = std::make_shared<agent::http_client>(
      agent::tls_files{cfg.server.tls.ca_file, cfg.server.tls.cert_file, cfg.server.tls.key_file});
    return [client, url, timeout = cfg.server.timeout_ms](const std::string& body,
                                                          const agent::header_list& headers) {
      return client->post(url, body, headers, timeout);
    };
  };
}

std::string push_target(const config::agent_config& cfg, const std::string& server_id) {
  return cfg.server.format == config::push_format::json
           ? "/metrics"
           : "/metrics/prometheus?server_id=" + server_id;
}

int make_agent_node(const config::agent_config& cfg, const push_route& route,
                    std::function<bool(config::agent_config&)> reread,
                    agent_supervisor_settings& settings, std::string& server_id,
                    std::string& error) {
  const bool generate = cfg.agent.server_id == config::generated_server_id;
  server_id = agent::resolve_server_id(generate ? "" : cfg.agent.server_id, cfg.buffer.path, error);
  if (server_id.empty()) {
    error = "agent.server_id: " + error;
    return 1;
  }
  if (!make_plan(cfg, server_id, route, settings.plan, error))
    return 2;
  split_listen(cfg.status.listen, settings.status.host, settings.status.port);
  buffer_settings buffer;
  buffer.durable = cfg.buffer.enabled;
  buffer.wal.dir = cfg.buffer.path;
  buffer.wal.max_bytes = static_cast<uint64_t>(cfg.buffer.max_size_mb) << 20;
  buffer.wal.retention_ms = cfg.buffer.retention_hours * 3'600'000;
  buffer.wal.fsync = cfg.buffer.fsync;
  settings.spawn_buffer = [buffer](caf::local_actor* self) {
    return self->spawn<caf::detached>(nodepulse::buffer, buffer);
  };
  settings.spawn_pusher = [](caf::local_actor* self, const pusher_settings& p,
                             const buffer_actor& b) {
    return self->spawn<caf::detached>(pusher, p, b);
  };
  settings.spawn_scraper = [](caf::local_actor* self, const scrape_target& t, const buffer_actor& b,
                              const pusher_actor& p) {
    scraper_settings s;
    s.job = t.job;
    s.url = t.url;
    s.interval = t.interval;
    s.timeout = t.timeout;
    s.offset = t.offset;
    s.filter = t.filter;
    auto client = std::make_shared<agent::http_client>();
    s.fetch = [client, url = t.url, timeout = t.timeout.count()] {
      return client->get(url, agent::scrape_accept, timeout);
    };
    return self->spawn<caf::detached>(scraper, std::move(s), b, p);
  };
  settings.spawn_discoverer = [interval = cfg.discover.interval_ms](
                                caf::local_actor* self, const std::vector<scrape_target>& targets,
                                const agent_supervisor_actor& supervisor) {
    discoverer_settings d;
    for (const auto& t : targets)
      d.candidates.push_back({t.job, t.url});
    d.interval = std::chrono::milliseconds{interval};
    auto client = std::make_shared<agent::http_client>();
    d.probe = [client](const std::string& url) {
      return client->get(url, agent::scrape_accept, 2'000);
    };
    return self->spawn<caf::detached>(discoverer, std::move(d), supervisor);
  };
  settings.reload = [reread, route, server_id,
                     running = cfg]() mutable -> std::optional<agent_plan> {
    config::agent_config fresh;
    if (!reread(fresh))
      return std::nullopt;
    if (fresh.buffer.path != running.buffer.path || fresh.agent.server_id != running.agent.server_id
        || fresh.status.listen != running.status.listen
        || fresh.discover.enabled != running.discover.enabled
        || fresh.discover.interval_ms != running.discover.interval_ms
        || fresh.discover.candidates.size() != running.discover.candidates.size())
      spdlog::warn("agent: buffer.*, agent.server_id, status.listen and scrapers.discover take "
                   "effect at the next restart");
    agent_plan plan;
    std::string error;
    if (!make_plan(fresh, server_id, route, plan, error)) {
      spdlog::error("agent: {}", error);
      return std::nullopt;
    }
    running = fresh;
    return plan;
  };

  return 0;
}

} // namespace nodepulse::node
