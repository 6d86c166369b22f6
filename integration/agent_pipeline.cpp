#define CAF_SUITE agent_pipeline
#include <caf/test/unit_test.hpp>

#include "integration/support/agent_process.hpp"
#include "integration/support/exporter_process.hpp"
#include "integration/support/node_process.hpp"
#include "integration/support/redis_server.hpp"
#include "integration/support/test_ca.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/valkey/stream_codec.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace nodepulse;
using namespace nodepulse::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

using test::agent_server_id;
const std::string& server_id = agent_server_id;

// One stream entry as the agent's push became it.
struct pushed_scrape {
  std::string batch_id;
  uint64_t sequence = 0;
  int64_t received_at_ms = 0;
  int64_t scrape_ms = -1; // the timestamp of its `up` sample
  double up = -1;
  size_t samples = 0;
};

std::vector<pushed_scrape> pushed_scrapes(const redis_server& redis) {
  std::vector<pushed_scrape> out;
  for (auto& e : redis.read_stream()) {
    pushed_scrape p;
    p.batch_id = e["batch_id"];
    p.sequence = std::stoull(p.batch_id.substr(p.batch_id.rfind(':') + 1));
    p.received_at_ms = std::stoll(e["received_at"]);
    prom::sample_batch batch;
    std::string scratch;
    if (valkey::decode_payload(e["payload"], p.received_at_ms, batch, scratch).empty()) {
      p.samples = batch.samples.size();
      for (const auto& s : batch.samples)
        if (s.name == "up") {
          p.up = s.value;
          p.scrape_ms = s.timestamp_ms;
        }
    }
    out.push_back(p);
  }
  return out;
}

// Every sequence from 1 to the highest, each exactly once.
bool each_once_without_gaps(const std::vector<pushed_scrape>& v) {
  std::multiset<uint64_t> seen;
  for (const auto& p : v)
    seen.insert(p.sequence);
  if (seen.empty())
    return false;
  uint64_t expect = 1;
  for (auto s : seen)
    if (s != expect++)
      return false;
  return true;
}

struct fixture {
  redis_server redis;
  exporter_process exporter;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_pipeline_tests, fixture)

CAF_TEST(ingest down then up and every scrape arrives once in order with its scrape time) {
  auto ingest = std::make_unique<ingest_process>(redis.port(), "");
  int ingest_port = ingest->port();
  agent_process agent{push_url(ingest_port), endpoint("node_exporter", exporter.url())};
  CAF_REQUIRE(eventually([&] { return pushed_scrapes(redis).size() >= 2; }));
  CAF_CHECK_EQUAL(agent.get("/readyz").status, 200);
  CAF_REQUIRE_EQUAL(ingest->stop(), 0);
  auto outage_start = now_ms();
  CAF_CHECK(eventually([&] { return agent.get("/readyz").status == 503; }));
  std::this_thread::sleep_for(seconds{4}); // scrapes keep going into the WAL
  CAF_CHECK_GREATER_OR_EQUAL(agent.metric("nodepulse_agent_buffer_records"), 3);
  auto outage_end = now_ms();
  ingest = std::make_unique<ingest_process>(redis.port(), "", tls_client_files{}, ingest_port);
  CAF_CHECK(eventually([&] { return agent.metric("nodepulse_agent_buffer_records") == 0; }));
  std::this_thread::sleep_for(milliseconds{1500}); // fresh scrapes flow again
  CAF_CHECK_GREATER(agent.metric("nodepulse_agent_push_retries_total"), 0);
  CAF_CHECK_GREATER(agent.metric("nodepulse_agent_pushes_total{lane=\"replay\"}"), 2);
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  auto pushed = pushed_scrapes(redis);
  CAF_CHECK(each_once_without_gaps(pushed));
  size_t replayed = 0;
  uint64_t last_replayed = 0;
  for (const auto& p : pushed) {
    CAF_CHECK_EQUAL(p.up, 1);
    CAF_CHECK_GREATER(p.samples, 300u); // node_exporter's samples plus the job's three
    CAF_CHECK_EQUAL(p.batch_id.rfind(server_id + ":", 0), 0u);
    // Scraped during the outage, received after it, in the order scraped:
    // the scrape time stayed. (Once the ingest is back, a fresh scrape may
    // go out ahead of the backlog's tail: the two lanes of docs/agent.md.)
    if (p.scrape_ms > outage_start && p.scrape_ms < outage_end) {
      ++replayed;
      CAF_CHECK_GREATER_OR_EQUAL(p.received_at_ms, outage_end);
      CAF_CHECK_GREATER(p.sequence, last_replayed);
      last_replayed = p.sequence;
    }
  }
  CAF_CHECK_GREATER_OR_EQUAL(replayed, 3u);
  // In the order of their sequence numbers: scraped in that order, an
  // interval (1 s) or more apart.
  auto by_sequence = pushed;
  std::sort(by_sequence.begin(), by_sequence.end(),
            [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
  for (size_t i = 1; i < by_sequence.size(); ++i)
    CAF_CHECK_GREATER(by_sequence[i].scrape_ms - by_sequence[i - 1].scrape_ms, 900);
}

CAF_TEST(scrapes kept before a kill - 9 during an outage arrive after a restart) {
  auto ingest = std::make_unique<ingest_process>(redis.port(), "");
  int ingest_port = ingest->port();
  agent_process agent{push_url(ingest_port), endpoint("node_exporter", exporter.url())};
  CAF_REQUIRE(eventually([&] { return pushed_scrapes(redis).size() >= 1; }));
  CAF_REQUIRE_EQUAL(ingest->stop(), 0);
  std::this_thread::sleep_for(seconds{3});
  auto scraped = agent.metric("nodepulse_agent_scrapes_total{job=\"node_exporter\",result=\"up\"}");
  agent.kill(); // no flush, no goodbye
  auto killed_at = now_ms();
  ingest = std::make_unique<ingest_process>(redis.port(), "", tls_client_files{}, ingest_port);
  agent.restart();
  CAF_CHECK(eventually([&] {
    auto v = pushed_scrapes(redis);
    return std::count_if(v.begin(), v.end(),
                         [&](const pushed_scrape& p) { return p.scrape_ms < killed_at; })
           >= scraped;
  }));
  CAF_REQUIRE_EQUAL(agent.stop(), 0);
  auto pushed = pushed_scrapes(redis);
  std::set<int64_t> times;
  for (const auto& p : pushed)
    CAF_CHECK(times.insert(p.scrape_ms).second); // no scrape twice
  CAF_CHECK(each_once_without_gaps(pushed));
  auto before_kill = std::count_if(pushed.begin(), pushed.end(),
                                   [&](const pushed_scrape& p) { return p.scrape_ms < killed_at; });
  CAF_CHECK_GREATER_OR_EQUAL(static_cast<double>(before_kill), scraped);
  CAF_CHECK_GREATER_OR_EQUAL(scraped, 2);
}

CAF_TEST(node_exporter killed gives up 0 and the agent recovers when it returns) {
  ingest_process ingest{redis.port(), ""};
  agent_process agent{push_url(ingest.port()), endpoint("node_exporter", exporter.url())};
  const std::string up_series = "nodepulse_agent_scrape_up{job=\"node_exporter\"}";
  CAF_REQUIRE(eventually([&] { return agent.metric(up_series) == 1; }));
  exporter.kill();
  CAF_CHECK(eventually([&] { return agent.metric(up_series) == 0; }));
  CAF_CHECK(eventually([&] {
    auto v = pushed_scrapes(redis);
    return std::any_of(v.begin(), v.end(), [](const pushed_scrape& p) { return p.up == 0; });
  }));
  CAF_CHECK(agent.running());
  exporter.start();
  CAF_CHECK(eventually([&] { return agent.metric(up_series) == 1; }));
  CAF_CHECK_GREATER(
    agent.metric("nodepulse_agent_scrapes_total{job=\"node_exporter\",result=\"down\"}"), 0);
  auto v = pushed_scrapes(redis);
  auto down = std::find_if(v.begin(), v.end(), [](const pushed_scrape& p) { return p.up == 0; });
  CAF_REQUIRE(down != v.end());
  // up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling
  CAF_CHECK_EQUAL(down->samples, 4u);
  CAF_CHECK_EQUAL(agent.stop(), 0);
}

CAF_TEST(a hangup signal adds and removes endpoints and the WAL stays whole) {
  ingest_process ingest{redis.port(), ""};
  agent_process agent{push_url(ingest.port()), endpoint("first", exporter.url())};
  CAF_REQUIRE(
    eventually([&] { return agent.metric("nodepulse_agent_scrape_up{job=\"first\"}") == 1; }));
  agent.rewrite_config(
    agent_config(agent.port(), push_url(ingest.port()), endpoint("second", exporter.url())));
  agent.signal(SIGHUP);
  CAF_CHECK(eventually([&] {
    auto m = agent.metrics();
    return m.find("job=\"second\"") != std::string::npos
           && m.find("job=\"first\"") == std::string::npos;
  }));
  CAF_CHECK(
    eventually([&] { return agent.metric("nodepulse_agent_scrape_up{job=\"second\"}") == 1; }));
  // A config with a mistake is refused; the running one stays.
  agent.rewrite_config("scrapers: [oops\n");
  agent.signal(SIGHUP);
  std::this_thread::sleep_for(milliseconds{1500});
  CAF_CHECK(agent.running());
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_scrape_up{job=\"second\"}"), 1);
  CAF_CHECK(agent.log().find("reload refused") != std::string::npos);
  CAF_CHECK_EQUAL(agent.stop(), 0);
  CAF_CHECK(each_once_without_gaps(pushed_scrapes(redis)));
}

CAF_TEST(discovery scrapes an exporter started after the agent and forgets it once it stops) {
  ingest_process ingest{redis.port(), ""};
  exporter_process later; // its port, free again until it is started below
  later.kill();
  agent_process agent{push_url(ingest.port()), endpoint("node_exporter", exporter.url())
                                                 + discover_ports({{later.port(), "late"}})};
  const std::string up = "nodepulse_agent_scrape_up{job=\"late\"}";
  const std::string appeared = "nodepulse_agent_discovery_changes_total{change=\"appeared\"}";
  CAF_REQUIRE(eventually(
    [&] { return agent.metric("nodepulse_agent_discovery_probes_total{result=\"silent\"}") > 0; }));
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_discovery_candidates"), 1);
  CAF_CHECK_EQUAL(agent.metric(up), -1); // nothing answers: no scraper
  later.start();
  CAF_CHECK(eventually([&] { return agent.metric(up) == 1; }));
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_discovery_exporters"), 1);
  CAF_CHECK_EQUAL(agent.metric(appeared), 1);
  CAF_CHECK(eventually(
    [&] { return agent.metric("nodepulse_agent_scrape_samples_total{job=\"late\"}") > 300; }));
  CAF_CHECK(agent.log().find("discovery: found late at " + later.url()) != std::string::npos);
  later.kill();
  CAF_CHECK(eventually([&] { return agent.metric(up) == -1; }));
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_discovery_exporters"), 0);
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_discovery_changes_total{change=\"gone\"}"), 1);
  CAF_CHECK(agent.log().find("discovery: late at " + later.url() + " is gone")
            != std::string::npos);
  // Back again: found again.
  later.start();
  CAF_CHECK(eventually([&] { return agent.metric(up) == 1; }));
  CAF_CHECK_EQUAL(agent.metric(appeared), 2);
  // The configured endpoint never stopped, and the pushes stayed whole.
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_scrape_up{job=\"node_exporter\"}"), 1);
  CAF_CHECK_EQUAL(agent.stop(), 0);
  CAF_CHECK(each_once_without_gaps(pushed_scrapes(redis)));
}

CAF_TEST(pushes over HTTPS with a client certificate and a bearer token) {
  test_ca ca;
  const std::string token = "agent-token-1234567890";
  char dir_buf[] = "/tmp/nodepulse-token-XXXXXX";
  CAF_REQUIRE(::mkdtemp(dir_buf) != nullptr);
  const std::string dir = dir_buf;
  std::ofstream{dir + "/tokens"} << server_id << " " << ingest::hash_token(token) << "\n";
  std::ofstream{dir + "/token"} << "wrong-token\n";
  tls_client_files client{ca.file("ca.pem"), ca.file("agent.pem"), ca.file("agent.key")};
  ingest_process ingest{redis.port(),
                        "tls:\n  cert_file: \"" + ca.file("server.pem") + "\"\n  key_file: \""
                          + ca.file("server.key") + "\"\n  client_ca_file: \"" + ca.file("ca.pem")
                          + "\"\nauth:\n  mode: token\n  tokens_file: \"" + dir + "/tokens\"\n",
                        client};
  agent_process agent{push_url(ingest.port(), "https"), endpoint("node_exporter", exporter.url()),
                      "  token_file: \"" + dir + "/token\"\n  tls:\n    ca_file: \""
                        + ca.file("ca.pem") + "\"\n    cert_file: \"" + ca.file("agent.pem")
                        + "\"\n    key_file: \"" + ca.file("agent.key") + "\"\n"};
  // A wrong token: refused, kept, retried, never dropped.
  CAF_CHECK(
    eventually([&] { return agent.get("/readyz").body.find("HTTP 401") != std::string::npos; }));
  CAF_CHECK_EQUAL(agent.metric("nodepulse_agent_dropped_total{reason=\"refused\"}"), 0);
  auto kept = agent.metric("nodepulse_agent_buffer_records");
  CAF_CHECK_GREATER(kept, 0);
  // The right token, read again on SIGHUP: everything arrives.
  std::ofstream{dir + "/token"} << token << "\n";
  agent.signal(SIGHUP);
  CAF_CHECK(eventually([&] { return agent.get("/readyz").status == 200; }));
  CAF_CHECK(eventually([&] { return agent.metric("nodepulse_agent_buffer_records") == 0; }));
  CAF_CHECK_EQUAL(agent.stop(), 0);
  auto pushed = pushed_scrapes(redis);
  CAF_CHECK(each_once_without_gaps(pushed));
  CAF_CHECK_GREATER_OR_EQUAL(static_cast<double>(pushed.size()), kept);
  for (auto& e : redis.read_stream())
    CAF_CHECK_EQUAL(e["server_id"], server_id);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
  std::system(("rm -rf '" + dir + "'").c_str());
}

CAF_TEST(server format json pushes the legacy report made from node_exporter) {
  ingest_process ingest{redis.port(), ""};
  auto url = "http://127.0.0.1:" + std::to_string(ingest.port()) + "/metrics";
  agent_process agent{url, endpoint("node_exporter", exporter.url()), "  format: json\n"};
  CAF_REQUIRE(eventually([&] { return redis.read_stream().size() >= 2; }));
  CAF_CHECK_EQUAL(agent.stop(), 0);
  auto entries = redis.read_stream();
  std::set<std::string> names;
  for (auto& e : entries) {
    CAF_CHECK_EQUAL(e["server_id"], server_id);
    prom::sample_batch batch;
    std::string scratch;
    CAF_REQUIRE_EQUAL(
      valkey::decode_payload(e["payload"], std::stoll(e["received_at"]), batch, scratch), "");
    for (const auto& s : batch.samples) {
      names.insert(std::string{s.name});
      if (s.name == "nodepulse_memory_usage_percent") {
        CAF_CHECK_GREATER(s.value, 0);
        CAF_CHECK_LESS(s.value, 100);
      }
    }
  }
  for (auto name :
       {"nodepulse_cpu_usage_percent", "nodepulse_memory_used_bytes",
        "nodepulse_network_upload_bytes", "nodepulse_uptime_days", "nodepulse_system_info"})
    CAF_CHECK_EQUAL(names.count(name), 1u);
}

CAF_TEST(nodepulse status prints a summary of a running agent) {
  ingest_process ingest{redis.port(), ""};
  agent_process agent{push_url(ingest.port()), endpoint("node_exporter", exporter.url())};
  CAF_REQUIRE(eventually([&] { return agent.get("/readyz").status == 200; }));
  std::string cmd = std::string{NODEPULSE_BINARY}
                    + " status --url http://127.0.0.1:" + std::to_string(agent.port()) + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr)
    out += buf;
  int rc = p == nullptr ? -1 : ::pclose(p);
  CAF_CHECK_EQUAL(rc, 0);
  CAF_CHECK(out.find(": ready") != std::string::npos);
  CAF_CHECK(out.find("scrape node_exporter") != std::string::npos);
  CAF_CHECK(out.find("WAL on disk") != std::string::npos);
  CAF_CHECK(out.find(" fresh + ") != std::string::npos);
  CAF_CHECK_EQUAL(agent.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
