#define CAF_SUITE prometheus_remote
#include <caf/test/unit_test.hpp>

#include "integration/support/agent_process.hpp"
#include "integration/support/exporter_process.hpp"
#include "integration/support/node_process.hpp"
#include "integration/support/postgres_server.hpp"
#include "integration/support/program_process.hpp"
#include "integration/support/redis_server.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/remote/prometheus_remote.pb.h"
#include "lib/remote/read_request.hpp"
#include "lib/remote/write_request.hpp"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

using namespace nodepulse;
using test::digest_process;
using test::eventually;
using test::ingest_process;
using test::metric_eventually;
using test::metric_value;
using test::now_ms;

namespace {

constexpr const char* server_a = "3c9f6f0e-1d2b-4c5a-9e8f-7a6b5c4d3e2f";

// A WriteRequest as a sender would make it: series of (labels, samples).
struct request_builder {
  remote::WriteRequest req;

  remote::TimeSeries& series(std::initializer_list<std::pair<const char*, const char*>> labels) {
    auto* ts = req.add_timeseries();
    for (const auto& [name, value] : labels) {
      auto* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    return *ts;
  }

  static void sample(remote::TimeSeries& ts, double value, int64_t at_ms) {
    auto* s = ts.add_samples();
    s->set_value(value);
    s->set_timestamp(at_ms);
  }

  void metadata(const char* family, remote::MetricMetadata::MetricType type, const char* help) {
    auto* m = req.add_metadata();
    m->set_metric_family_name(family);
    m->set_type(type);
    m->set_help(help);
  }

  std::string body() const { return remote::snappy_compress(req.SerializeAsString()); }
};

// A Prometheus scraping node_exporter every second as job "node" and
// remote-writing to the ingest as server_a, metadata every 2 s.
std::string scraping_prometheus(int exporter_port, int ingest_port) {
  return "global:\n  scrape_interval: 1s\n"
         "scrape_configs:\n  - job_name: node\n    static_configs:\n"
         "      - targets: ['127.0.0.1:"
         + std::to_string(exporter_port)
         + "']\n"
           "remote_write:\n  - url: http://127.0.0.1:"
         + std::to_string(ingest_port) + "/api/v1/write?server_id=" + server_a
         + "\n    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n"
           "      max_backoff: 1s\n    metadata_config:\n      send_interval: 2s\n";
}

const std::map<std::string, std::string> remote_write_headers{
  {"Content-Type", "application/x-protobuf"},
  {"Content-Encoding", "snappy"},
  {"X-Prometheus-Remote-Write-Version", "0.1.0"}};

struct fixture {
  test::redis_server redis;
  test::postgres_server pg;

  fixture() {
    if (!test::migrate(pg.dsn()))
      CAF_FAIL("nodepulse migrate failed");
  }

  // The digest with its remote read endpoint on `query_port`.
  static std::string query_yaml(int query_port, const std::string& more = "") {
    return "query:\n  listen: \"127.0.0.1:" + std::to_string(query_port) + "\"\n" + more;
  }

  int64_t count(const std::string& where) const {
    auto n = pg.query("SELECT count(*) FROM admiral.metric_samples WHERE " + where);
    return n.empty() ? -1 : std::stoll(n);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(prometheus_remote_tests, fixture)

CAF_TEST(a remote write request lands once with its labels and metadata) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  auto t = now_ms() - 60'000;
  request_builder meta;
  meta.metadata("demo_requests_total", remote::MetricMetadata::COUNTER, "Requests served.");
  auto res = ingest.post(std::string{"/api/v1/write?server_id="} + server_a, meta.body(),
                         remote_write_headers);
  CAF_CHECK_EQUAL(res.status, 204);
  request_builder b;
  auto& s1 = b.series({{"__name__", "demo_requests_total"}, {"instance", "web-1"}, {"job", "web"}});
  request_builder::sample(s1, 10, t);
  request_builder::sample(s1, 12, t + 15'000);
  auto& s2 = b.series({{"__name__", "demo_temperature"}, {"job", "web"}});
  const uint64_t stale_bits = 0x7ff0000000000002; // Prometheus's stale marker
  double stale;
  std::memcpy(&stale, &stale_bits, sizeof stale);
  request_builder::sample(s2, stale, t);
  auto body = b.body();
  res = ingest.post(std::string{"/api/v1/write?server_id="} + server_a, body, remote_write_headers);
  CAF_CHECK_EQUAL(res.status, 204);
  CAF_CHECK_EQUAL(res.body, "");
  // The sender retries (its answer was lost): stored once.
  res = ingest.post(std::string{"/api/v1/write?server_id="} + server_a, body, remote_write_headers);
  CAF_CHECK_EQUAL(res.status, 204);
  CAF_CHECK(eventually([&] { return count("true") == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds{500});
  CAF_CHECK_EQUAL(count("true"), 3);
  CAF_CHECK_EQUAL(pg.query("SELECT metric_type || ' ' || help_text || ' ' || labels::text || ' ' "
                           "|| server_id FROM admiral.metric_samples WHERE metric_name = "
                           "'demo_requests_total' LIMIT 1"),
                  std::string{"counter Requests served. {\"job\": \"web\", \"instance\": "
                              "\"web-1\"} "}
                    + server_a);
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(value::text, ',' ORDER BY timestamp) FROM "
                           "admiral.metric_samples WHERE metric_name = 'demo_requests_total'"),
                  "10,12");
  // The stale marker is stored bit for bit, not as any NaN.
  CAF_CHECK_EQUAL(pg.query("SELECT metric_type || ' ' || encode(float8send(value), 'hex') FROM "
                           "admiral.metric_samples WHERE metric_name = 'demo_temperature'"),
                  "untyped 7ff0000000000002");
  auto metrics = ingest.get("/metrics").body;
  CAF_CHECK_EQUAL(metric_value(metrics, "nodepulse_ingest_duplicate_batches_total"), 1);
  CAF_CHECK_EQUAL(metric_value(metrics, "nodepulse_ingest_remote_write_metadata_total"), 1);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(every invalid remote write request is answered 400 or 415 naming what and where) {
  ingest_process ingest{redis.port(),
                        "limits:\n  max_body_bytes: 1048576\n  max_inflated_bytes: 1048576\n"};
  const std::string target = std::string{"/api/v1/write?server_id="} + server_a;
  auto post = [&](const std::string& body,
                  std::map<std::string, std::string> headers = remote_write_headers) {
    return ingest.post(target, body, headers);
  };
  auto expect = [&](const test::http_response& res, int status, const std::string& text) {
    CAF_CHECK_EQUAL(res.status, status);
    if (res.body.find(text) == std::string::npos)
      CAF_FAIL("expected '" << text << "' in the answer, got: " << res.body);
    CAF_CHECK(res.headers.at("content-type").find("text/plain") == 0);
  };
  expect(post("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), 400, "not snappy-compressed");
  expect(post(remote::snappy_compress("\x0a\x05\x0a\x03")), 400, "not a protobuf WriteRequest");
  auto with = [](std::initializer_list<std::pair<const char*, const char*>> labels) {
    request_builder b;
    request_builder::sample(b.series(labels), 1, now_ms());
    return b.body();
  };
  expect(post(with({{"job", "x"}})), 400, "series 1: no __name__ label");
  expect(post(with({{"__name__", "1bad"}})), 400, "__name__ '1bad' is not a valid metric name");
  expect(post(with({{"__name__", "up"}, {"b", "1"}, {"a", "2"}})), 400,
         "series 1 (up): label 'a' is out of order");
  expect(post(with({{"__name__", "up"}, {"a", "1"}, {"a", "2"}})), 400,
         "series 1 (up): label 'a' appears twice");
  expect(post(with({{"__name__", "up"}, {"bad-name", "1"}})), 400,
         "label name 'bad-name' is not valid");
  expect(post(with({{"__name__", "up"}, {"job", "\xc3\x28"}})), 400,
         "the value of label 'job' is not valid UTF-8");
  auto v2 = remote_write_headers;
  v2["Content-Type"] = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
  expect(post(with({{"__name__", "up"}}), v2), 415, "io.prometheus.write.v2.Request");
  auto gzip = remote_write_headers;
  gzip["Content-Encoding"] = "gzip";
  expect(post(with({{"__name__", "up"}}), gzip), 415, "Content-Encoding must be snappy");
  // A body that decompresses past limits.max_inflated_bytes: refused on
  // its length header, before any of it is decompressed.
  std::string zeros(2 << 20, '\0');
  expect(post(remote::snappy_compress(zeros)), 413, "more than limits.max_inflated_bytes");
  // Without a server id (auth none) the series belong to nobody.
  auto res = ingest.post("/api/v1/write", with({{"__name__", "up"}}), remote_write_headers);
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK(res.body.find("server_id") != std::string::npos);
  CAF_CHECK_EQUAL(metric_value(ingest.get("/metrics").body, "nodepulse_ingest_parse_errors_total"),
                  8);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(token auth holds for remote write and the token names the server) {
  char dir[] = "/tmp/nodepulse-tokens-XXXXXX";
  CAF_REQUIRE(::mkdtemp(dir) != nullptr);
  std::string tokens_file = std::string{dir} + "/tokens";
  std::ofstream{tokens_file} << server_a << " " << ingest::hash_token("tok-a") << "\n";
  ingest_process ingest{redis.port(),
                        "auth:\n  mode: token\n  tokens_file: \"" + tokens_file + "\"\n"};
  digest_process digest{redis.port(), pg.dsn()};
  request_builder b;
  request_builder::sample(b.series({{"__name__", "up"}, {"job", "node"}}), 1, now_ms());
  auto res = ingest.post("/api/v1/write", b.body(), remote_write_headers);
  CAF_CHECK_EQUAL(res.status, 401);
  auto headers = remote_write_headers;
  headers["Authorization"] = "Bearer wrong";
  CAF_CHECK_EQUAL(ingest.post("/api/v1/write", b.body(), headers).status, 401);
  headers["Authorization"] = "Bearer tok-a";
  CAF_CHECK_EQUAL(ingest.post("/api/v1/write", b.body(), headers).status, 204);
  CAF_CHECK(eventually([&] {
    return pg.query("SELECT server_id FROM admiral.metric_samples WHERE metric_name = 'up'")
           == server_a;
  }));
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  std::system(("rm -rf '" + std::string{dir} + "'").c_str());
}

CAF_TEST(a full stream or an unreachable Valkey is 503 with Retry - After for remote write) {
  int port = test::free_loopback_port();
  test::node_process ingest{"ingest", port,
                            "listen: \"127.0.0.1:" + std::to_string(port)
                              + "\"\nvalkey:\n  url: \"redis://127.0.0.1:"
                              + std::to_string(redis.port()) + "\"\n  max_backlog: 1\n"};
  auto target = std::string{"/api/v1/write?server_id="} + server_a;
  auto body_at = [](int64_t t) {
    request_builder b;
    request_builder::sample(b.series({{"__name__", "up"}}), 1, t);
    return b.body();
  };
  auto t = now_ms();
  CAF_CHECK_EQUAL(ingest.post(target, body_at(t), remote_write_headers).status, 204);
  auto full = ingest.post(target, body_at(t + 1000), remote_write_headers);
  CAF_CHECK_EQUAL(full.status, 503);
  CAF_CHECK(full.headers.count("retry-after") == 1);
  CAF_CHECK(full.body.find("backlog") != std::string::npos);
  redis.stop();
  auto down = ingest.post(target, body_at(t + 2000), remote_write_headers);
  CAF_CHECK_EQUAL(down.status, 503);
  CAF_CHECK(down.headers.count("retry-after") == 1);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(a real Prometheus remote writes node_exporter scrapes that land with their values) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  test::exporter_process exporter;
  auto prometheus = test::start_prometheus(scraping_prometheus(exporter.port(), ingest.port()));
  // Typed once the metadata came (it travels apart from the samples).
  CAF_CHECK(eventually(
    [&] {
      return count("metric_name = 'node_memory_MemAvailable_bytes' AND metric_type = 'gauge' "
                   "AND labels->>'job' = 'node'")
             >= 3;
    },
    std::chrono::seconds{90}));
  // Each stored value is what Prometheus's own TSDB holds at that time.
  auto rows = pg.query("SELECT (extract(epoch FROM timestamp) * 1000)::bigint || ' ' || value "
                       "FROM admiral.metric_samples WHERE metric_name = "
                       "'node_memory_MemAvailable_bytes' AND metric_type = 'gauge' "
                       "ORDER BY timestamp DESC LIMIT 1");
  auto space = rows.find(' ');
  CAF_REQUIRE(space != std::string::npos);
  auto at_ms = std::stoll(rows.substr(0, space));
  auto stored = std::stod(rows.substr(space + 1));
  char time_arg[32];
  std::snprintf(time_arg, sizeof time_arg, "%.3f", static_cast<double>(at_ms) / 1000.0);
  auto answer = prometheus.get("/api/v1/query?query=node_memory_MemAvailable_bytes&time="
                               + std::string{time_arg});
  CAF_REQUIRE_EQUAL(answer.status, 200);
  auto json = nlohmann::json::parse(answer.body);
  CAF_REQUIRE_EQUAL(json["data"]["result"].size(), 1u);
  auto value = std::stod(json["data"]["result"][0]["value"][1].get<std::string>());
  CAF_CHECK_EQUAL(value, stored);
  CAF_CHECK_GREATER(count("metric_name = 'up' AND labels->>'instance' LIKE '127.0.0.1:%'"), 0);
  prometheus.stop();
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(vmagent writes through an ingest restart and every sample arrives once) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn()};
  test::exporter_process exporter;
  auto target = std::string{"http://127.0.0.1:"} + std::to_string(ingest.port())
                + "/api/v1/write?server_id=" + server_a;
  test::program_process vmagent{
    "/usr/bin/vmagent", "/health", [&](const std::string& dir, int port) {
      std::ofstream{dir + "/scrape.yml"}
        << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: vmnode\n"
           "    static_configs:\n      - targets: ['127.0.0.1:"
        << exporter.port() << "']\n";
      return std::vector<std::string>{"-promscrape.config=" + dir + "/scrape.yml",
                                      "-remoteWrite.url=" + target,
                                      "-remoteWrite.tmpDataPath=" + dir + "/queue",
                                      "-httpListenAddr=127.0.0.1:" + std::to_string(port)};
    }};
  const std::string up = "metric_name = 'up' AND labels->>'job' = 'vmnode'";
  CAF_REQUIRE(eventually([&] { return count(up) >= 5; }, std::chrono::seconds{60}));
  ingest.kill(); // vmagent keeps what is not acknowledged and retries
  auto down_at = now_ms();
  std::this_thread::sleep_for(std::chrono::seconds{5});
  ingest.restart();
  CAF_REQUIRE(eventually(
    [&] {
      return count(up + " AND timestamp > to_timestamp(" + std::to_string(down_at + 15'000)
                   + " / 1000.0)")
             > 0;
    },
    std::chrono::seconds{90}));
  // Once each, and no scrape of the outage missing: `up` every second.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) - count(DISTINCT timestamp) FROM "
                           "admiral.metric_samples WHERE "
                           + up),
                  "0");
  auto widest_gap = std::stod(pg.query(
    "SELECT coalesce(max(gap), 0) FROM (SELECT extract(epoch FROM timestamp - lag(timestamp) "
    "OVER (ORDER BY timestamp)) AS gap FROM admiral.metric_samples WHERE "
    + up + ") g"));
  CAF_CHECK_LESS(widest_gap, 2.5);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM (SELECT 1 FROM admiral.metric_samples WHERE "
                           "metric_name = 'node_load1' GROUP BY timestamp HAVING count(*) > 1) d"),
                  "0");
  vmagent.stop();
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

namespace {

// Prometheus's answer to an instant query at `t` (seconds): each series'
// labels (server_id left out, the first Prometheus has none) -> value.
std::map<std::string, double> instant(const test::program_process& prometheus,
                                      const std::string& promql, double t) {
  char at[32];
  std::snprintf(at, sizeof at, "%.3f", t);
  std::string encoded;
  for (char c : promql) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      encoded += c;
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      encoded += hex;
    }
  }
  auto res = prometheus.get("/api/v1/query?query=" + encoded + "&time=" + at);
  std::map<std::string, double> out;
  if (res.status != 200) {
    out["error " + std::to_string(res.status)] = 0;
    return out;
  }
  auto json = nlohmann::json::parse(res.body);
  for (const auto& r : json["data"]["result"]) {
    std::string key;
    for (auto it = r["metric"].begin(); it != r["metric"].end(); ++it)
      if (it.key() != "server_id")
        key += it.key() + "=" + it.value().get<std::string>() + ",";
    out[key] = std::stod(r["value"][1].get<std::string>());
  }
  return out;
}

bool close_enough(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

} // namespace

CAF_TEST(a Prometheus reading only through remote read answers as the one that scraped) {
  int query_port = test::free_loopback_port();
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn(), query_yaml(query_port)};
  test::exporter_process exporter;
  // Our own agent on the same node_exporter, beside Prometheus.
  test::agent_process agent{test::push_url(ingest.port()),
                            test::endpoint("node_exporter", exporter.url())};
  auto scraper = test::start_prometheus(scraping_prometheus(exporter.port(), ingest.port()));
  auto reader =
    test::start_prometheus("remote_read:\n  - url: http://127.0.0.1:" + std::to_string(query_port)
                           + "/api/v1/read\n    read_recent: true\n");
  // Thirty-five seconds of scrapes stored (one a second): rate()[20s] at the
  // oldest time compared has twenty seconds behind it.
  CAF_REQUIRE(eventually(
    [&] {
      auto span = pg.query("SELECT extract(epoch FROM max(timestamp) - min(timestamp)) FROM "
                           "admiral.metric_samples WHERE metric_name = 'up' AND server_id = '"
                           + std::string{server_a} + "'");
      return !span.empty() && std::stod(span) >= 35;
    },
    std::chrono::seconds{120}));
  auto newest = std::stod(pg.query("SELECT extract(epoch FROM max(timestamp)) FROM "
                                   "admiral.metric_samples WHERE metric_name = 'up'"));
  std::this_thread::sleep_for(std::chrono::seconds{3}); // what was in flight at `newest` lands
  for (double t : {newest - 10, newest - 5, newest - 2}) {
    for (const char* promql : {"up{job=\"node\"}", "node_memory_MemAvailable_bytes{job=\"node\"}",
                               "rate(node_cpu_seconds_total{job=\"node\"}[20s])"}) {
      auto want = instant(scraper, promql, t);
      auto got = instant(reader, promql, t);
      CAF_CHECK(!want.empty());
      if (got.size() != want.size()) {
        std::string seen;
        for (const auto& g : got)
          seen += g.first + " ";
        CAF_FAIL(promql << " at " << t << ": " << got.size() << " series through remote read ("
                        << seen << "), " << want.size() << " in Prometheus");
      }
      for (const auto& [series, value] : want) {
        auto it = got.find(series);
        if (it == got.end())
          CAF_FAIL(promql << " at " << t << ": " << series << " missing from remote read");
        if (!close_enough(it->second, value))
          CAF_FAIL(promql << " at " << t << ": " << series << " is " << it->second
                          << " through remote read, " << value << " in Prometheus");
      }
    }
  }
  // The agent's scrapes and Prometheus's side by side in one query.
  auto both =
    reader.get("/api/v1/query?query=count%20by%20(server_id)%20(node_memory_MemAvailable_bytes)");
  CAF_REQUIRE_EQUAL(both.status, 200);
  auto json = nlohmann::json::parse(both.body);
  std::set<std::string> servers;
  for (const auto& r : json["data"]["result"])
    servers.insert(r["metric"]["server_id"].get<std::string>());
  CAF_CHECK_EQUAL(servers, (std::set<std::string>{server_a, test::agent_server_id}));
  auto metrics = digest.get("/metrics").body;
  CAF_CHECK_GREATER(metric_value(metrics, "nodepulse_digest_query_serving"), 0);
  scraper.stop();
  reader.stop();
  CAF_CHECK_EQUAL(agent.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(remote read refuses what it must and keeps serving) {
  int query_port = test::free_loopback_port();
  char dir[] = "/tmp/nodepulse-readers-XXXXXX";
  CAF_REQUIRE(::mkdtemp(dir) != nullptr);
  std::string tokens_file = std::string{dir} + "/readers";
  std::ofstream{tokens_file} << "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6071 "
                             << ingest::hash_token("reader-1") << "\n";
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn(),
                        query_yaml(query_port, "  max_series: 2\n  timeout: 500ms\n"
                                               "  auth:\n    mode: token\n"
                                               "    tokens_file: \""
                                                 + tokens_file + "\"\n")};
  auto t = now_ms() - 60'000;
  request_builder b;
  for (const char* cpu : {"0", "1", "2"}) {
    auto& s = b.series({{"__name__", "cpu_seconds_total"}, {"cpu", cpu}, {"job", "node"}});
    request_builder::sample(s, 1, t);
    request_builder::sample(s, 2, t + 1000);
  }
  CAF_REQUIRE_EQUAL(
    ingest.post(std::string{"/api/v1/write?server_id="} + server_a, b.body(), remote_write_headers)
      .status,
    204);
  CAF_REQUIRE(eventually([&] { return count("metric_name = 'cpu_seconds_total'") == 6; }));
  auto read = [&](const std::vector<remote::read_query>& queries, const std::string& token) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/x-protobuf"},
                                               {"Content-Encoding", "snappy"}};
    if (!token.empty())
      headers["Authorization"] = "Bearer " + token;
    return test::http_request(query_port, "POST", "/api/v1/read",
                              remote::encode_read_request(queries), headers);
  };
  using m = remote::label_matcher;
  remote::read_query one{
    t - 1000, t + 5000, {{m::equal, "__name__", "cpu_seconds_total"}, {m::equal, "cpu", "1"}}};
  CAF_CHECK_EQUAL(read({one}, "").status, 401);
  CAF_CHECK_EQUAL(read({one}, "wrong").status, 401);
  auto ok = read({one}, "reader-1");
  CAF_REQUIRE_EQUAL(ok.status, 200);
  std::vector<std::vector<remote::read_series>> results;
  CAF_REQUIRE(remote::decode_read_response(ok.body, results));
  CAF_REQUIRE_EQUAL(results.size(), 1u);
  CAF_REQUIRE_EQUAL(results[0].size(), 1u);
  const auto& series = results[0][0];
  CAF_CHECK_EQUAL(series.labels.size(), 4u); // __name__, cpu, job, server_id: sorted
  CAF_CHECK_EQUAL(series.labels[0].first, "__name__");
  CAF_CHECK_EQUAL(series.labels[3].first + "=" + series.labels[3].second,
                  std::string{"server_id="} + server_a);
  CAF_REQUIRE_EQUAL(series.samples.size(), 2u);
  CAF_CHECK_EQUAL(series.samples[0].timestamp_ms, t);
  CAF_CHECK_EQUAL(series.samples[1].value, 2);
  // Three series where two are allowed: the limit named, the node serving.
  remote::read_query all{t - 1000, t + 5000, {{m::regex, "__name__", "cpu_.*"}}};
  auto over = read({all}, "reader-1");
  CAF_CHECK_EQUAL(over.status, 400);
  CAF_CHECK(over.body.find("more than 2 series (query.max_series)") != std::string::npos);
  // The refused read's transaction ended with it: no connection idles in
  // one (it would hold up the compactor's and retention's DDL).
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM pg_stat_activity "
                           "WHERE state = 'idle in transaction'"),
                  "0");
  remote::read_query bad{t - 1000, t + 5000, {{m::regex, "job", "(unclosed"}}};
  auto invalid = read({bad}, "reader-1");
  CAF_CHECK_EQUAL(invalid.status, 400);
  CAF_CHECK(invalid.body.find("regular expression") != std::string::npos);
  auto garbage = test::http_request(query_port, "POST", "/api/v1/read", "not snappy",
                                    {{"Authorization", "Bearer reader-1"}});
  CAF_CHECK_EQUAL(garbage.status, 400);
  if (garbage.body.find("snappy") == std::string::npos)
    CAF_FAIL("expected a snappy error, got: " << garbage.body);
  CAF_CHECK_EQUAL(read({one}, "reader-1").status, 200);
  // A read held up past query.timeout (here by a lock on the catalogue) is
  // cancelled by PostgreSQL and answered 503; the next one is served.
  PGconn* locker = PQconnectdb(pg.dsn().c_str());
  CAF_REQUIRE(PQstatus(locker) == CONNECTION_OK);
  PQclear(PQexec(locker, "BEGIN"));
  PQclear(PQexec(locker, "LOCK TABLE admiral.series IN ACCESS EXCLUSIVE MODE"));
  auto slow = read({one}, "reader-1");
  CAF_CHECK_EQUAL(slow.status, 503);
  CAF_CHECK(slow.body.find("longer than query.timeout (500 ms)") != std::string::npos);
  PQclear(PQexec(locker, "ROLLBACK"));
  PQfinish(locker);
  CAF_CHECK_EQUAL(read({one}, "reader-1").status, 200);
  remote::read_query without{t - 1000,
                             t + 5000,
                             {{m::equal, "__name__", "cpu_seconds_total"},
                              {m::not_equal, "cpu", "0"},
                              {m::equal, "absent", ""}}};
  auto two = read({without}, "reader-1");
  CAF_REQUIRE(remote::decode_read_response(two.body, results));
  CAF_CHECK_EQUAL(results.at(0).size(), 2u);
  auto metrics = digest.get("/metrics").body;
  CAF_CHECK(metrics.find("nodepulse_digest_query_requests_total{outcome=\"over_limit\"} 1")
            != std::string::npos);
  CAF_CHECK(metrics.find("nodepulse_digest_query_requests_total{outcome=\"unauthorized\"} 2")
            != std::string::npos);
  CAF_CHECK(metrics.find("nodepulse_digest_query_requests_total{outcome=\"timed_out\"} 1")
            != std::string::npos);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  std::system(("rm -rf '" + std::string{dir} + "'").c_str());
}

CAF_TEST_FIXTURE_SCOPE_END()
