// The agent's config (/etc/nodepulse/nodepulse.yml): exactly the plan's keys
// (scrapers.prometheus.endpoints[].{url,name,interval}, server.{endpoint,
// format,timeout}, agent.{server_id,interval}, buffer.{enabled,
// retention_hours,max_size_mb}) plus what operators need (docs/configuration.md,
// "Agent"): server.token_file, server.tls.{ca_file,cert_file,key_file},
// buffer.path, per-endpoint timeout, status.listen, logging.level,
// server.compression, server.replay_rate, server.max_backoff, buffer.fsync, and per endpoint
// rule_set and metric_relabel_configs (filtering at the source). Loaded and checked;
// every problem named with its key and line, all at once.
#pragma once

#include "config/config_error.hpp"
#include "lib/agent/metric_rule.hpp"
#include "lib/http/inflate.hpp"
#include "lib/wal/wal.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nodepulse::config {

// How the agent reaches the ingest (server.transport).
enum class push_transport { http, caf };
// What it pushes (server.format): Prometheus text, or the old agent's JSON.
enum class push_format { prometheus, json };
// The least severe log line written (logging.level).
enum class log_level { trace, debug, info, warn, error };

// What agent.server_id says when the agent is to make its id itself, once,
// and keep it next to the WAL.
inline constexpr const char* generated_server_id = "auto-generated-uuid";

struct scrape_endpoint {
  std::string url;
  std::string name;
  int64_t interval_ms = 0; // 0: agent.interval
  int64_t timeout_ms = 0;  // 0: the interval, at most 10 s
  // The named built-in rule set (config/rule_sets/), "" for none.
  std::string rule_set;
  // What the agent drops of each scrape before the WAL: the rule set's
  // rules, then the endpoint's own metric_relabel_configs, in that order.
  std::vector<agent::metric_rule> rules;
};

struct agent_config {
  struct {
    bool enabled = true;
    std::vector<scrape_endpoint> endpoints{
      {"http://127.0.0.1:9100/metrics", "node_exporter", 0, 0, {}, {}}};
  } prometheus;
  // Exporters found on this host's loopback (scrapers.discover): off unless
  // enabled; the well-known ports and the operator's own.
  struct {
    bool enabled = false;
    int64_t interval_ms = 60'000; // how often the ports are probed
    bool well_known = true; // 9100 node, 9187 postgres, 9121 redis, 9115 blackbox, 9256 process
    std::vector<scrape_endpoint>
      ports; // scrapers.discover.ports, their url made from port and path
    // What is probed, in order: the well-known ports (when well_known), then
    // `ports`; each scraped as its endpoint says while it answers.
    std::vector<scrape_endpoint> candidates;
  } discover;
  struct {
    // http: POST to endpoint (a URL). caf: endpoint is the ingest's
    // caf.listen host:port, reached through CAF's middleman (docs/agent.md).
    push_transport transport = push_transport::http;
    std::string endpoint = "http://127.0.0.1:8080/metrics/prometheus";
    push_format format = push_format::prometheus;
    int64_t timeout_ms = 10'000;
    std::string token_file; // empty: no Authorization header
    // The pushes' Content-Encoding: zstd | gzip | none.
    http::content_encoding compression = http::content_encoding::zstd;
    int64_t replay_rate = 10; // batches per second replayed from the buffer after an outage
    // The longest wait between failed pushes (the backoff doubles from 1 s up to it).
    int64_t max_backoff_ms = 60'000;
    struct {
      std::string ca_file;   // empty: the system's CAs
      std::string cert_file; // both set: a client certificate (mTLS)
      std::string key_file;
    } tls;
  } server;
  struct {
    std::string server_id = generated_server_id;
    int64_t interval_ms = 15'000;
  } agent;
  struct {
    bool enabled = true;
    int64_t retention_hours = 48;
    int64_t max_size_mb = 100;
    std::string path = "/var/lib/nodepulse/wal";
    wal::fsync_policy fsync = wal::fsync_policy::always; // always | interval (1 s) | never
  } buffer;
  struct {
    std::string listen = "127.0.0.1:9310"; // /healthz /readyz /metrics
  } status;
  struct {
    log_level level = log_level::info;
  } logging;
};

// An endpoint's interval and timeout once the defaults are applied.
inline int64_t scrape_interval_ms(const agent_config& cfg, const scrape_endpoint& ep) {
  return ep.interval_ms != 0 ? ep.interval_ms : cfg.agent.interval_ms;
}
inline int64_t scrape_timeout_ms(const agent_config& cfg, const scrape_endpoint& ep) {
  auto interval = scrape_interval_ms(cfg, ep);
  return ep.timeout_ms != 0 ? ep.timeout_ms : (interval < 10'000 ? interval : 10'000);
}

std::vector<config_error> load_agent_config(const std::string& text, agent_config& out);

std::vector<config_error> load_agent_config_file(const std::string& path, agent_config& out);

} // namespace nodepulse::config
