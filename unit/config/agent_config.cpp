#define CAF_SUITE config.agent_config
#include <caf/test/unit_test.hpp>

#include "config/agent_config.hpp"

#include <string>
#include <vector>

using namespace nodepulse::config;

namespace {

std::vector<std::string> problems(const std::string& yaml) {
  agent_config cfg;
  std::vector<std::string> out;
  for (const auto& e : load_agent_config(yaml, cfg))
    out.push_back(e.to_string());
  return out;
}

// The plan's example, verbatim ("Agent Configuration").
constexpr const char* plan_example = R"yaml(
# /etc/nodepulse/nodepulse.yml

# NEW: Prometheus scraper configuration
scrapers:
  prometheus:
    enabled: true
    endpoints:
      - url: "http://127.0.0.1:9100/metrics"
        name: "node_exporter"
        interval: 15s
      # Future: add more exporters
      # - url: "http://127.0.0.1:9187/metrics"
      #   name: "postgres_exporter"
      #   interval: 30s

# Server configuration (modified)
server:
  endpoint: "https://dashboard.example.com/metrics/prometheus"
  format: "prometheus" # Options: "prometheus" or "json" (legacy)
  timeout: 10s

# Agent behavior (existing)
agent:
  server_id: "auto-generated-uuid"
  interval: 15s # How often to scrape and push

# Buffering (existing - still works with Prometheus format)
buffer:
  enabled: true
  retention_hours: 48
  max_size_mb: 100
)yaml";

} // namespace

CAF_TEST(the plan example loads with every key it shows) {
  agent_config cfg;
  auto errors = load_agent_config(plan_example, cfg);
  for (const auto& e : errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(errors.empty());
  CAF_CHECK(cfg.prometheus.enabled);
  CAF_REQUIRE_EQUAL(cfg.prometheus.endpoints.size(), 1u);
  CAF_CHECK_EQUAL(cfg.prometheus.endpoints[0].url, "http://127.0.0.1:9100/metrics");
  CAF_CHECK_EQUAL(cfg.prometheus.endpoints[0].name, "node_exporter");
  CAF_CHECK_EQUAL(cfg.prometheus.endpoints[0].interval_ms, 15'000);
  CAF_CHECK_EQUAL(cfg.server.endpoint, "https://dashboard.example.com/metrics/prometheus");
  CAF_CHECK(cfg.server.format == push_format::prometheus);
  CAF_CHECK_EQUAL(cfg.server.timeout_ms, 10'000);
  CAF_CHECK_EQUAL(cfg.agent.server_id, generated_server_id);
  CAF_CHECK_EQUAL(cfg.agent.interval_ms, 15'000);
  CAF_CHECK(cfg.buffer.enabled);
  CAF_CHECK_EQUAL(cfg.buffer.retention_hours, 48);
  CAF_CHECK_EQUAL(cfg.buffer.max_size_mb, 100);
}

CAF_TEST(the shipped example config loads without a problem) {
  agent_config cfg;
  auto errors = load_agent_config_file(NODEPULSE_SOURCE_DIR "/config/agent.yml", cfg);
  for (const auto& e : errors)
    CAF_MESSAGE(e.to_string());
  CAF_CHECK(errors.empty());
  CAF_CHECK_EQUAL(cfg.prometheus.endpoints[0].timeout_ms, 10'000);
  CAF_CHECK_EQUAL(cfg.status.listen, "127.0.0.1:9310");
  CAF_CHECK_EQUAL(cfg.buffer.path, "/var/lib/nodepulse/wal");
}

CAF_TEST(an empty file gives the defaults and one node_exporter endpoint) {
  agent_config cfg;
  CAF_REQUIRE(load_agent_config("", cfg).empty());
  CAF_REQUIRE_EQUAL(cfg.prometheus.endpoints.size(), 1u);
  CAF_CHECK_EQUAL(cfg.prometheus.endpoints[0].url, "http://127.0.0.1:9100/metrics");
  CAF_CHECK(cfg.server.format == push_format::prometheus);
  CAF_CHECK(cfg.logging.level == log_level::info);
}

CAF_TEST(the additions for operators are read) {
  agent_config cfg;
  CAF_REQUIRE(load_agent_config("server:\n  token_file: /etc/nodepulse/token\n"
                                "  tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}\n"
                                "  compression: gzip\n  replay_rate: 50\n  max_backoff: 5s\n"
                                "agent:\n  server_id: 0B6C1A0E-3F43-4D8E-9A51-6F0C2D6B7E11\n"
                                "buffer:\n  enabled: no\n  path: /tmp/wal\n  fsync: interval\n"
                                "logging: {level: debug}\n",
                                cfg)
                .empty());
  CAF_CHECK(cfg.server.transport == push_transport::http);
  CAF_CHECK(cfg.server.compression == nodepulse::http::content_encoding::gzip);
  CAF_CHECK_EQUAL(cfg.server.replay_rate, 50);
  CAF_CHECK_EQUAL(cfg.server.max_backoff_ms, 5'000);
  CAF_CHECK(cfg.buffer.fsync == nodepulse::wal::fsync_policy::interval);
  CAF_CHECK_EQUAL(cfg.server.token_file, "/etc/nodepulse/token");
  CAF_CHECK_EQUAL(cfg.server.tls.cert_file, "c.pem");
  CAF_CHECK_EQUAL(cfg.agent.server_id, "0B6C1A0E-3F43-4D8E-9A51-6F0C2D6B7E11");
  CAF_CHECK(!cfg.buffer.enabled);
  CAF_CHECK_EQUAL(cfg.buffer.path, "/tmp/wal");
  CAF_CHECK(cfg.logging.level == log_level::debug);
}

CAF_TEST(the CAF transport takes the ingest host and port and TLS files) {
  agent_config cfg;
  CAF_REQUIRE(load_agent_config("server:\n  transport: caf\n  endpoint: \"ingest.example:8090\"\n"
                                "  tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}\n",
                                cfg)
                .empty());
  CAF_CHECK(cfg.server.transport == push_transport::caf);
  CAF_CHECK_EQUAL(cfg.server.endpoint, "ingest.example:8090");
  CAF_CHECK_EQUAL(cfg.server.tls.ca_file, "ca.pem");
}

CAF_TEST(bad values and unknown keys are named with key and line) {
  CAF_CHECK_EQUAL(problems("scrapers:\n  prometheus:\n    endpoints:\n"
                           "      - url: http://a:9100/metrics\n        name: a\n"
                           "      - url: ftp://b\n        name: a\n        intervall: 5s\n"),
                  (std::vector<std::string>{
                    "line 6, column 14: scrapers.prometheus.endpoints[1].url: expected an "
                    "http:// or https:// URL, got 'ftp://b'",
                    "line 7, column 15: scrapers.prometheus.endpoints[1].name: 'a' names "
                    "another endpoint already",
                    "line 8, column 9: scrapers.prometheus.endpoints[1].intervall: unknown key"}));
  CAF_CHECK_EQUAL(problems("server:\n  format: xml\nagent:\n  server_id: host-1\n"),
                  (std::vector<std::string>{
                    "line 2, column 11: server.format: expected one of prometheus, json, got "
                    "'xml'",
                    "line 4, column 14: agent.server_id: expected a UUID or "
                    "'auto-generated-uuid', got 'host-1'"}));
  CAF_CHECK_EQUAL(problems("buffer:\n  enabled: maybe\n  max_size_mb: 0\n"),
                  (std::vector<std::string>{
                    "line 2, column 12: buffer.enabled: expected true or false, got 'maybe'",
                    "line 3, column 16: buffer.max_size_mb: must be between 1 and 1000000, "
                    "got 0"}));
  CAF_CHECK_EQUAL(problems("server:\n  compression: lz4\n  replay_rate: 0\n"
                           "buffer:\n  fsync: sometimes\n"),
                  (std::vector<std::string>{
                    "line 2, column 16: server.compression: expected one of zstd, gzip, none, "
                    "got 'lz4'",
                    "line 3, column 16: server.replay_rate: must be between 1 and 10000, got 0",
                    "line 5, column 10: buffer.fsync: expected one of always, interval, never, "
                    "got 'sometimes'"}));
  CAF_CHECK_EQUAL(
    problems("server:\n  max_backoff: 500ms\n"),
    std::vector<std::string>{"line 2, column 16: server.max_backoff: must be between 1s and 1h"});
  CAF_CHECK_EQUAL(problems("server:\n  tls:\n    cert_file: c.pem\n"),
                  std::vector<std::string>{"line 3, column 16: server.tls.cert_file: "
                                           "cert_file and key_file go together (a client "
                                           "certificate)"});
  CAF_CHECK_EQUAL(problems("server:\n  transport: grpc\n"),
                  std::vector<std::string>{"line 2, column 14: server.transport: expected one "
                                           "of http, caf, got 'grpc'"});
  CAF_CHECK_EQUAL(problems("server:\n  transport: caf\n  endpoint: http://i:8080/metrics\n"),
                  std::vector<std::string>{"line 3, column 13: server.endpoint: with transport "
                                           "caf, expected the ingest's caf.listen host:port, "
                                           "got 'http://i:8080/metrics'"});
  CAF_CHECK_EQUAL(problems("server:\n  transport: caf\n  endpoint: i:8090\n"
                           "  tls: {ca_file: ca.pem}\n"),
                  std::vector<std::string>{"line 4, column 18: server.tls.ca_file: with "
                                           "transport caf, TLS needs cert_file and key_file too "
                                           "(CAF's TLS always authenticates both sides)"});
  CAF_CHECK_EQUAL(problems("scrapers:\n  prometheus:\n    endpoints: []\n"),
                  std::vector<std::string>{"scrapers.prometheus.endpoints: no endpoint to "
                                           "scrape (list one, set enabled: false, or turn on "
                                           "scrapers.discover)"});
  CAF_CHECK_EQUAL(problems("scrapers:\n  prometheus:\n    endpoints:\n      - just-a-url\n"),
                  (std::vector<std::string>{
                    "line 4, column 9: scrapers.prometheus.endpoints[0]: expected a mapping "
                    "of keys",
                    "scrapers.prometheus.endpoints: no endpoint to scrape (list one, set "
                    "enabled: false, or turn on scrapers.discover)"}));
}

CAF_TEST(an endpoint takes a rule set and its own metric_relabel_configs in that order) {
  agent_config cfg;
  auto errors = load_agent_config("scrapers:\n  prometheus:\n    endpoints:\n"
                                  "      - url: http://127.0.0.1:9100/metrics\n"
                                  "        name: node\n"
                                  "        rule_set: node_exporter\n"
                                  "        metric_relabel_configs:\n"
                                  "          - action: labeldrop\n"
                                  "            regex: cpu\n"
                                  "          - action: drop\n"
                                  "            source_labels: [__name__, mode]\n"
                                  "            separator: /\n"
                                  "            regex: node_cpu_seconds_total/(steal|guest)\n",
                                  cfg);
  CAF_REQUIRE(errors.empty());
  const auto& ep = cfg.prometheus.endpoints.at(0);
  CAF_CHECK_EQUAL(ep.rule_set, "node_exporter");
  CAF_REQUIRE_GREATER(ep.rules.size(), 2u);
  // The built-in set starts with its keep-list, read whole from the
  // multi-line YAML string.
  CAF_CHECK(ep.rules.front().action == nodepulse::agent::metric_rule::action_t::keep);
  CAF_CHECK(ep.rules.front().regex.find("node_cpu_seconds_total|node_load(1|5|15)|node_memory_")
            == 0);
  CAF_CHECK(ep.rules.front().regex.find(' ') == std::string::npos);
  const auto& last = ep.rules.back();
  CAF_CHECK(last.action == nodepulse::agent::metric_rule::action_t::drop);
  CAF_CHECK_EQUAL(last.separator, "/");
  CAF_CHECK_EQUAL(last.source_labels, (std::vector<std::string>{"__name__", "mode"}));
  CAF_CHECK(ep.rules[ep.rules.size() - 2].action
            == nodepulse::agent::metric_rule::action_t::labeldrop);
}

CAF_TEST(bad filter rules are named with key and line) {
  CAF_CHECK_EQUAL(problems("scrapers:\n  prometheus:\n    endpoints:\n"
                           "      - url: http://a:9100/metrics\n        name: a\n"
                           "        rule_set: nodes\n"
                           "        metric_relabel_configs:\n"
                           "          - action: replace\n"
                           "            source_labels: [__name__]\n"
                           "          - action: keep\n"
                           "            regex: node_(cpu\n"
                           "          - action: labeldrop\n"
                           "            source_labels: [cpu]\n"
                           "          - action: drop\n"
                           "            source_labels: [0bad]\n"
                           "            target_label: x\n"),
                  (std::vector<std::string>{
                    "line 6, column 19: scrapers.prometheus.endpoints[0].rule_set: no rule set "
                    "named 'nodes' (there is: node_exporter)",
                    "line 8, column 21: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[0].action: 'replace': expected keep, drop, labeldrop or labelkeep "
                    "(the agent filters what it scrapes; it does not rewrite labels)",
                    "line 10, column 13: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[1].source_labels: keep and drop need the labels whose values they "
                    "match, e.g. [__name__] for the metric name",
                    "line 11, column 20: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[1].regex: not a valid regular expression (RE2 syntax): missing ): "
                    "node_(cpu",
                    "line 13, column 28: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[2].source_labels: labeldrop and labelkeep match label names; they "
                    "take only regex",
                    "line 15, column 28: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[3].source_labels: '0bad' is not a label name",
                    "line 16, column 13: scrapers.prometheus.endpoints[0].metric_relabel_"
                    "configs[3].target_label: unknown key"}));
}

CAF_TEST(discovery probes the well known ports and the operator s own on loopback) {
  agent_config cfg;
  CAF_REQUIRE(load_agent_config("scrapers:\n  discover:\n    enabled: true\n    interval: 30s\n"
                                "    ports:\n"
                                "      - { port: 9500, name: my_app, path: /stats }\n"
                                "      - { port: 9187, name: pg }\n",
                                cfg)
                .empty());
  CAF_CHECK(cfg.discover.enabled);
  CAF_CHECK_EQUAL(cfg.discover.interval_ms, 30'000);
  std::vector<std::string> probed;
  for (const auto& c : cfg.discover.candidates)
    probed.push_back(c.name + " " + c.url);
  // 9187 is the operator's now: listed once, under the name given.
  CAF_CHECK_EQUAL(probed,
                  (std::vector<std::string>{"node_exporter http://127.0.0.1:9100/metrics",
                                            "redis_exporter http://127.0.0.1:9121/metrics",
                                            "blackbox_exporter http://127.0.0.1:9115/metrics",
                                            "process_exporter http://127.0.0.1:9256/metrics",
                                            "my_app http://127.0.0.1:9500/stats",
                                            "pg http://127.0.0.1:9187/metrics"}));
  // A discovered node_exporter is filtered by its rule set, as configured ones are.
  CAF_CHECK_EQUAL(cfg.discover.candidates.front().rule_set, "node_exporter");
  CAF_CHECK(!cfg.discover.candidates.front().rules.empty());
  // With discovery on, the endpoint list may be empty.
  CAF_CHECK(load_agent_config("scrapers:\n  prometheus:\n    endpoints: []\n"
                              "  discover: { enabled: true }\n",
                              cfg)
              .empty());
  agent_config off;
  CAF_CHECK(load_agent_config("scrapers:\n  discover: { enabled: false }\n", off).empty());
  CAF_CHECK(!off.discover.enabled);
}

CAF_TEST(bad discovery keys are named with key and line) {
  CAF_CHECK_EQUAL(problems("scrapers:\n  discover:\n    interval: 10ms\n    ports:\n"
                           "      - { port: 70000, name: a }\n"
                           "      - { name: b, path: metrics }\n"
                           "      - { port: 9500 }\n"
                           "      - { port: 9501, name: a }\n"),
                  (std::vector<std::string>{
                    "line 3, column 15: scrapers.discover.interval: must be at least 1s",
                    "line 5, column 17: scrapers.discover.ports[0].port: must be between 1 and "
                    "65535, got 70000",
                    "line 6, column 9: scrapers.discover.ports[1].port: missing: the loopback "
                    "port the exporter listens on",
                    "line 6, column 26: scrapers.discover.ports[1].path: expected a path "
                    "starting with /, got 'metrics'",
                    "line 7, column 9: scrapers.discover.ports[2].name: missing: the job name "
                    "its samples are scraped under",
                    "line 8, column 29: scrapers.discover.ports[3].name: 'a' names another "
                    "port already"}));
}
