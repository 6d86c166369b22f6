#define CAF_SUITE end_to_end
#include <caf/test/unit_test.hpp>

#include "integration/support/agent_process.hpp"
#include "integration/support/exporter_process.hpp"
#include "integration/support/node_process.hpp"
#include "integration/support/postgres_server.hpp"
#include "integration/support/redis_server.hpp"
#include "integration/support/test_ca.hpp"

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

using namespace nodepulse;
using namespace nodepulse::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The whole path with real parts, as separate nodes: node_exporter ->
// nodepulse agent -> nodepulse ingest -> redis-server (Valkey's protocol)
// -> nodepulse digest -> PostgreSQL 15, over HTTP, and through CAF's
// middleman between agent and ingest.

namespace {

constexpr const char* json_server = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

struct fixture {
  redis_server redis;
  postgres_server pg;
  exporter_process exporter;

  fixture() {
    if (!test::migrate(pg.dsn()))
      CAF_FAIL("nodepulse migrate failed");
  }

  int64_t number(const std::string& sql) const {
    auto n = pg.query(sql);
    return n.empty() ? -1 : std::stoll(n);
  }

  int64_t scrapes_stored(const std::string& server) const {
    return number("SELECT count(*) FROM admiral.metric_samples WHERE metric_name = 'up' AND "
                  "server_id = '"
                  + server + "'");
  }

  // The ingest config that publishes its gateway on `port`.
  static std::string caf_listen(int port) {
    return "caf:\n  listen: \"127.0.0.1:" + std::to_string(port) + "\"\n";
  }

  static std::string caf_endpoint(int port) { return "127.0.0.1:" + std::to_string(port); }

  // Every sample of scrapes 1..n of `server` stored exactly once: n `up`
  // rows at n scrape times, and as many rows as node_exporter exposed in
  // those scrapes (after the agent's filter rules, if any) plus the job's
  // four series each, no sample twice. One
  // more scrape may be stored: the push in flight as the agent stopped,
  // stored but not yet acknowledged (it stays in the WAL, and its batch id
  // keeps it from being stored twice when it is pushed again).
  void check_exactly_once(const std::string& server, int64_t n) const {
    CAF_CHECK(eventually([&] { return scrapes_stored(server) >= n; }));
    const auto where = " FROM admiral.metric_samples WHERE server_id = '" + server + "'";
    auto stored = scrapes_stored(server);
    CAF_CHECK_GREATER_OR_EQUAL(stored, n);
    CAF_CHECK_LESS_OR_EQUAL(stored, n + 1);
    CAF_CHECK_EQUAL(number("SELECT count(DISTINCT timestamp)" + where + " AND metric_name = 'up'"),
                    stored);
    auto exposed =
      number("SELECT sum(value)::bigint" + where + " AND metric_name = 'scrape_samples_scraped'");
    CAF_CHECK_GREATER(exposed, 300 * stored);
    auto kept = number("SELECT sum(value)::bigint" + where
                       + " AND metric_name = 'scrape_samples_post_metric_relabeling'");
    CAF_CHECK_LESS_OR_EQUAL(kept, exposed);
    CAF_CHECK_EQUAL(number("SELECT count(*)" + where), kept + 4 * stored);
    CAF_CHECK_EQUAL(number("SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) AS c" + where
                           + " GROUP BY metric_name, labels, timestamp) d"),
                    0);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(end_to_end_tests, fixture)

CAF_TEST(every sample of every scrape reaches PostgreSQL once with its type labels help and time) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  agent_process agent{push_url(ingest.port()), endpoint("node_exporter", exporter.url())};
  auto started_ms =
    std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 5; }));
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  auto n = static_cast<int64_t>(agent.acknowledged());
  CAF_CHECK_GREATER_OR_EQUAL(n, 5);
  check_exactly_once(agent_server_id, n);
  // Every push said what the agent dropped itself: nothing, on this run.
  CAF_CHECK_EQUAL(number("SELECT count(*) FROM admiral.accepted_batches WHERE agent_drops = "
                         "'through=0,retention=0,size=0,torn=0,corrupt=0,refused=0'"),
                  n);
  const auto cpu = " FROM admiral.metric_samples WHERE metric_name = 'node_cpu_seconds_total'";
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT metric_type" + std::string{cpu}), "counter");
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT help_text" + std::string{cpu}),
                  "Seconds the CPUs spent in each mode.");
  CAF_CHECK_EQUAL(
    number("SELECT count(*)" + std::string{cpu} + " AND NOT (labels ? 'cpu' AND labels ? 'mode')"),
    0);
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT metric_type FROM admiral.metric_samples "
                           "WHERE metric_name = 'node_load1'"),
                  "gauge");
  // Scrape times: within the run, one interval (1 s) or more apart.
  CAF_CHECK_EQUAL(number("SELECT count(*) FROM (SELECT timestamp - lag(timestamp) OVER "
                         "(ORDER BY timestamp) AS gap FROM admiral.metric_samples WHERE "
                         "metric_name = 'up') g WHERE gap < interval '900 milliseconds'"),
                  0);
  CAF_CHECK_GREATER_OR_EQUAL(number("SELECT (extract(epoch FROM min(timestamp)) * 1000)::bigint "
                                    "FROM admiral.metric_samples"),
                             started_ms - 1000);
  // The plan's example dashboard query answers with this server's CPUs.
  auto rows = pg.query_file(std::string{NODEPULSE_SOURCE_DIR} + "/sql/queries/latest_cpu.sql",
                            {{"server_id", agent_server_id}});
  CAF_CHECK(!rows.empty());
  CAF_CHECK(rows.find("|idle|") != std::string::npos);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(through the CAF transport every scrape is stored once across a killed ingest) {
  int caf_port = free_loopback_port();
  auto ingest = std::make_unique<ingest_process>(redis.port(), caf_listen(caf_port));
  digest_process digest{redis.port(), pg.dsn()};
  agent_process agent{caf_endpoint(caf_port), endpoint("node_exporter", exporter.url()),
                      "  transport: caf\n"};
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 3; }));
  CAF_CHECK(agent.log().find("connected to the ingest gateway") != std::string::npos);
  // SIGKILL: the connection drops under the agent, which sees it at once
  // (down message) and keeps its scrapes in the WAL.
  ingest->kill();
  CAF_CHECK(eventually(
    [&] { return agent.log().find("lost the ingest gateway") != std::string::npos; }, seconds{5}));
  CAF_CHECK(eventually([&] { return agent.metric("nodepulse_agent_buffer_records") >= 3; }));
  CAF_CHECK(agent.running());
  ingest->restart(); // same ports, same config: the agent reconnects by itself
  CAF_CHECK(eventually([&] { return agent.metric("nodepulse_agent_buffer_records") == 0; }));
  CAF_CHECK_GREATER(agent.metric("nodepulse_agent_pushes_total{lane=\"replay\"}"), 0);
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  auto n = static_cast<int64_t>(agent.acknowledged());
  CAF_CHECK_GREATER_OR_EQUAL(n, 6);
  check_exactly_once(agent_server_id, n);
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT metric_type FROM admiral.metric_samples "
                           "WHERE metric_name = 'node_cpu_seconds_total'"),
                  "counter");
  // The CAF transport carries the agent's drop figures as HTTP does.
  CAF_CHECK_EQUAL(number("SELECT count(*) FROM admiral.accepted_batches "
                         "WHERE agent_drops LIKE 'through=0,%'"),
                  n);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest->stop(), 0);
}

CAF_TEST(the CAF transport over TLS takes only agents whose certificate the CA signed) {
  test_ca ca, stranger;
  int caf_port = free_loopback_port();
  tls_client_files client{ca.file("ca.pem"), ca.file("agent.pem"), ca.file("agent.key")};
  ingest_process ingest{redis.port(),
                        "tls:\n  cert_file: \"" + ca.file("server.pem") + "\"\n  key_file: \""
                          + ca.file("server.key") + "\"\n  client_ca_file: \"" + ca.file("ca.pem")
                          + "\"\n" + caf_listen(caf_port),
                        client};
  digest_process digest{redis.port(), pg.dsn()};
  auto tls_of = [](const test_ca& who) {
    return "  transport: caf\n  tls:\n    ca_file: \"" + who.file("ca.pem")
           + "\"\n    cert_file: \"" + who.file("agent.pem") + "\"\n    key_file: \""
           + who.file("agent.key") + "\"\n";
  };
  agent_process agent{caf_endpoint(caf_port), endpoint("node_exporter", exporter.url()),
                      tls_of(ca)};
  agent_process intruder{caf_endpoint(caf_port), endpoint("node_exporter", exporter.url()),
                         tls_of(stranger), json_server};
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 3; }));
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  check_exactly_once(agent_server_id, static_cast<int64_t>(agent.acknowledged()));
  // A certificate from another CA: no connection, nothing stored, its
  // scrapes kept, the agent alive and saying why.
  CAF_CHECK(intruder.running());
  CAF_CHECK_EQUAL(scrapes_stored(json_server), 0);
  CAF_CHECK_GREATER(intruder.metric("nodepulse_agent_buffer_records"), 0);
  CAF_CHECK(intruder.log().find("cannot reach the ingest gateway") != std::string::npos);
  CAF_CHECK_EQUAL(intruder.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

// docs/adding-exporters.md's worked example, as it is written there.
CAF_TEST(a second exporter from Debian lands beside node_exporter with its job) {
  exporter_process redis_exporter{"/usr/bin/prometheus-redis-exporter",
                                  "--redis.addr=redis://127.0.0.1:" + std::to_string(redis.port())};
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  agent_process agent{push_url(ingest.port()),
                      endpoint("node_exporter", exporter.url())
                        + endpoint("redis_exporter", redis_exporter.url())};
  const auto up_of = [&](const std::string& job) {
    return number("SELECT count(*) FROM admiral.metric_samples WHERE metric_name = 'up' AND "
                  "value = 1 AND labels->>'job' = '"
                  + job + "'");
  };
  // Each endpoint has its own scraper and offset: both, three times each.
  CAF_REQUIRE(
    eventually([&] { return up_of("redis_exporter") >= 3 && up_of("node_exporter") >= 3; }));
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT metric_type FROM admiral.metric_samples "
                           "WHERE metric_name = 'redis_connected_clients'"),
                  "gauge");
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT value::int FROM admiral.metric_samples "
                           "WHERE metric_name = 'redis_up'"),
                  "1");
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT metric_type FROM admiral.metric_samples "
                           "WHERE metric_name = 'redis_commands_processed_total'"),
                  "counter");
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(ingest stopped past the pushers backoff cap then started loses and doubles nothing) {
  auto ingest = std::make_unique<ingest_process>(redis.port(), "");
  int ingest_port = ingest->port();
  digest_process digest{redis.port(), pg.dsn()};
  // server.max_backoff 8 s: 25 s of failures take the backoff (1, 2, 4, 8 s)
  // to its cap and keep it there, as a long outage does with the default
  // 60 s, in a fraction of the time.
  agent_process agent{push_url(ingest_port), endpoint("node_exporter", exporter.url()),
                      "  max_backoff: 8s\n"};
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 2; }));
  CAF_REQUIRE_EQUAL(ingest->stop(), 0);
  std::this_thread::sleep_for(seconds{25});
  CAF_CHECK_GREATER_OR_EQUAL(agent.metric("nodepulse_agent_buffer_records"), 20);
  ingest = std::make_unique<ingest_process>(redis.port(), "", tls_client_files{}, ingest_port);
  // The pusher's next attempt may come up to 8 s after the ingest is back,
  // and then some 35 scrapes replay at 10 a second, one push at a time.
  CAF_CHECK(
    eventually([&] { return agent.metric("nodepulse_agent_buffer_records") == 0; }, seconds{60}));
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  check_exactly_once(agent_server_id, static_cast<int64_t>(agent.acknowledged()));
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest->stop(), 0);
}

CAF_TEST(digest stopped then started finds everything in the stream) {
  ingest_process ingest{redis.port(), ""};
  auto digest = std::make_unique<digest_process>(redis.port(), pg.dsn());
  int digest_port = digest->port();
  agent_process agent{push_url(ingest.port()), endpoint("node_exporter", exporter.url())};
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 2; }));
  CAF_REQUIRE_EQUAL(digest->stop(), 0);
  auto stored = scrapes_stored(agent_server_id);
  std::this_thread::sleep_for(seconds{8});
  CAF_CHECK_EQUAL(scrapes_stored(agent_server_id), stored); // nothing writes
  CAF_CHECK_GREATER_OR_EQUAL(static_cast<double>(redis.read_stream().size()), 5);
  digest = std::make_unique<digest_process>(redis.port(), pg.dsn(), "", digest_port);
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  check_exactly_once(agent_server_id, static_cast<int64_t>(agent.acknowledged()));
  CAF_CHECK(eventually([&] { return redis.read_stream().empty(); }));
  CAF_CHECK_EQUAL(digest->stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(the legacy JSON endpoint and the Prometheus endpoint serve two agents at once) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  agent_process prometheus_agent{push_url(ingest.port()),
                                 endpoint("node_exporter", exporter.url())};
  agent_process json_agent{"http://127.0.0.1:" + std::to_string(ingest.port()) + "/metrics",
                           endpoint("node_exporter", exporter.url()), "  format: json\n",
                           json_server};
  auto legacy_rows = [&](const std::string& metric) {
    return number("SELECT count(*) FROM admiral.metric_samples WHERE server_id = '"
                  + std::string{json_server} + "' AND metric_name = '" + metric + "'");
  };
  CAF_REQUIRE(eventually([&] {
    return scrapes_stored(agent_server_id) >= 3 && legacy_rows("nodepulse_cpu_usage_percent") >= 3;
  }));
  CAF_REQUIRE_EQUAL(prometheus_agent.stop(), 0);
  CAF_REQUIRE_EQUAL(json_agent.stop(), 0);
  check_exactly_once(agent_server_id, static_cast<int64_t>(prometheus_agent.acknowledged()));
  auto reports = static_cast<int64_t>(json_agent.acknowledged());
  CAF_CHECK(eventually([&] { return legacy_rows("nodepulse_cpu_usage_percent") == reports; }));
  for (auto metric :
       {"nodepulse_memory_used_bytes", "nodepulse_memory_usage_percent",
        "nodepulse_network_upload_bytes", "nodepulse_uptime_days", "nodepulse_system_info"})
    CAF_CHECK_EQUAL(legacy_rows(metric), reports);
  CAF_CHECK_EQUAL(legacy_rows("node_cpu_seconds_total"), 0); // a JSON agent sends reports only
  CAF_CHECK_EQUAL(number("SELECT count(*) FROM admiral.metric_samples WHERE server_id = '"
                         + std::string{json_server}
                         + "' AND metric_name = "
                           "'nodepulse_memory_usage_percent' AND (value <= 0 OR value >= 100)"),
                  0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

// With the rule set scripts/dev uses: what it drops never reaches a row.
CAF_TEST(nodepulse dev runs the whole path in one process and stores rows within seconds) {
  int ingest_port = free_loopback_port();
  int agent_port = free_loopback_port();
  int digest_port = free_loopback_port();
  auto wal = wal_dir(agent_port);
  auto valkey = "redis://127.0.0.1:" + std::to_string(redis.port());
  node_process dev{"dev", ingest_port,
                   "agent:\n"
                   "  scrapers: { prometheus: { endpoints: [ { url: \""
                     + exporter.url()
                     + "\", name: node_exporter, rule_set: node_exporter } ] } }\n"
                       "  agent: { server_id: \""
                     + agent_server_id
                     + "\", interval: 1s }\n"
                       "  buffer: { path: \""
                     + wal
                     + "\" }\n"
                       "  status: { listen: \"127.0.0.1:"
                     + std::to_string(agent_port)
                     + "\" }\n"
                       "ingest:\n  listen: \"127.0.0.1:"
                     + std::to_string(ingest_port)
                     + "\"\n"
                       "  valkey: { url: \""
                     + valkey
                     + "\" }\n"
                       "digest:\n  valkey: { url: \""
                     + valkey
                     + "\" }\n"
                       "  postgres: { dsn: \""
                     + pg.dsn()
                     + "\" }\n"
                       "  status: { listen: \"127.0.0.1:"
                     + std::to_string(digest_port) + "\" }\n"};
  // The plan's target: data in the table within 10 s of start.
  CAF_CHECK(eventually([&] { return scrapes_stored(agent_server_id) >= 1; }, seconds{10}));
  CAF_REQUIRE(eventually([&] { return scrapes_stored(agent_server_id) >= 3; }));
  CAF_CHECK_EQUAL(http_request(agent_port, "GET", "/readyz").status, 200);
  CAF_CHECK_EQUAL(http_request(digest_port, "GET", "/readyz").status, 200);
  CAF_REQUIRE_EQUAL(dev.stop(), 0);
  std::ifstream acked{wal + "/acked"};
  int64_t n = 0;
  acked >> n;
  check_exactly_once(agent_server_id, n);
  const auto where = " FROM admiral.metric_samples WHERE server_id = '" + agent_server_id + "'";
  CAF_CHECK_LESS(
    number("SELECT sum(value)::bigint" + where
           + " AND metric_name = 'scrape_samples_post_metric_relabeling'"),
    number("SELECT sum(value)::bigint" + where + " AND metric_name = 'scrape_samples_scraped'")
      / 3);
  CAF_CHECK_EQUAL(number("SELECT count(*)" + where + " AND metric_name LIKE 'go\\_%'"), 0);
  CAF_CHECK_GREATER(
    number("SELECT count(*)" + where + " AND metric_name = 'node_cpu_seconds_total'"), 0);
  std::system(("rm -rf '" + wal + "'").c_str());
}

CAF_TEST_FIXTURE_SCOPE_END()
