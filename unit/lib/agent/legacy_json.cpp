#define CAF_SUITE lib.agent.legacy_json
#include <caf/test/unit_test.hpp>

#include "lib/agent/legacy_json.hpp"
#include "lib/ingest/legacy_report.hpp"

#include <cmath>
#include <map>
#include <string>

using namespace nodepulse;

namespace {

constexpr int64_t t0 = 1764194400000; // 2025-11-26T22:00:00Z
const std::string server = "6f1c2b9e-4a57-4d8e-9b1a-2f3c4d5e6f70";

// A node_exporter scrape with two CPUs, as the agent keeps it.
std::string scrape(double idle, double user, double tx, double rx) {
  auto n = [](double v) { return std::to_string(v); };
  return "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} " + n(idle)
         + "\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} "
         + n(user)
         + "\n"
           "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} "
         + n(idle)
         + "\n"
           "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} 0\n"
           "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} "
         + n(user)
         + "\n"
           "node_memory_MemTotal_bytes 8589934592\n"
           "node_memory_MemAvailable_bytes 2147483648\n"
           "node_network_transmit_bytes_total{device=\"eth0\"} "
         + n(tx)
         + "\n"
           "node_network_transmit_bytes_total{device=\"lo\"} 999999\n"
           "node_network_receive_bytes_total{device=\"eth0\"} "
         + n(rx)
         + "\n"
           "node_boot_time_seconds 1764021600\n"
           "node_time_seconds 1764194400\n"
           "node_uname_info{machine=\"x86_64\",nodename=\"web-1\",release=\"6.1.0-18-amd64\","
           "sysname=\"Linux\"} 1\n"
           "node_os_info{id=\"debian\",version_id=\"12\"} 1\n";
}

// What ingest makes of the report: sample name -> value, plus the info labels.
std::map<std::string, double> as_ingest_reads(const std::string& json,
                                              std::map<std::string, std::string>* info = nullptr,
                                              int64_t* time = nullptr) {
  prom::sample_batch batch;
  ingest::legacy_report report;
  auto error = ingest::parse_legacy_report(json, 0, batch, report);
  CAF_REQUIRE_EQUAL(error, "");
  CAF_CHECK_EQUAL(report.server_id, server);
  std::map<std::string, double> out;
  for (const auto& s : batch.samples) {
    out[std::string{s.name}] = s.value;
    if (time != nullptr)
      *time = s.timestamp_ms;
    if (info != nullptr && s.name == "nodepulse_system_info")
      for (const auto& l : batch.labels_of(s.labels))
        (*info)[std::string{l.name}] = std::string{l.value};
  }
  return out;
}

} // namespace

CAF_TEST(a node_exporter scrape becomes the report the old agent sent) {
  agent::legacy_reporter r;
  std::string error;
  auto json = r.report(scrape(300, 100, 5000, 7000), t0, server, error);
  CAF_REQUIRE_EQUAL(error, "");
  std::map<std::string, std::string> info;
  int64_t time = 0;
  auto m = as_ingest_reads(json, &info, &time);
  CAF_CHECK_EQUAL(time, t0);
  CAF_CHECK_EQUAL(m["nodepulse_cpu_usage_percent"], 25.0); // since boot: 200 of 800 s busy
  CAF_CHECK_EQUAL(m["nodepulse_memory_total_bytes"], 8589934592.0);
  CAF_CHECK_EQUAL(m["nodepulse_memory_used_bytes"], 6442450944.0);
  CAF_CHECK_EQUAL(m["nodepulse_memory_usage_percent"], 75.0);
  CAF_CHECK_EQUAL(m["nodepulse_network_upload_bytes"], 0.0); // nothing to compare with yet
  CAF_CHECK_EQUAL(m["nodepulse_uptime_days"], 2.0);
  CAF_CHECK_EQUAL(info["hostname"], "web-1");
  CAF_CHECK_EQUAL(info["kernel"], "Linux");
  CAF_CHECK_EQUAL(info["kernel_version"], "6.1.0-18-amd64");
  CAF_CHECK_EQUAL(info["distro"], "debian");
  CAF_CHECK_EQUAL(info["distro_version"], "12");
  CAF_CHECK_EQUAL(info["architecture"], "x86_64");
  CAF_CHECK_EQUAL(info["cpu_cores"], "2");
}

CAF_TEST(rates are since the previous report and lo does not count) {
  agent::legacy_reporter r;
  std::string error;
  r.report(scrape(300, 100, 5000, 7000), t0, server, error);
  // 15 s later: 2 CPUs x 15 s, of which 10 s busy.
  auto m = as_ingest_reads(r.report(scrape(310, 105, 5600, 7100), t0 + 15'000, server, error));
  CAF_CHECK_LESS(std::abs(m["nodepulse_cpu_usage_percent"] - 100.0 * 10 / 30), 1e-9);
  CAF_CHECK_EQUAL(m["nodepulse_network_upload_bytes"], 600.0);
  CAF_CHECK_EQUAL(m["nodepulse_network_download_bytes"], 100.0);
  // An older scrape (replayed behind a fresh one) is not compared with the future.
  m = as_ingest_reads(r.report(scrape(305, 103, 5300, 7050), t0 + 7'500, server, error));
  CAF_CHECK_EQUAL(m["nodepulse_network_upload_bytes"], 0.0);
  CAF_CHECK_GREATER(m["nodepulse_cpu_usage_percent"], 0.0);
}

CAF_TEST(a scrape that is not node_exporter cannot be a report) {
  agent::legacy_reporter r;
  std::string error;
  CAF_CHECK_EQUAL(r.report("http_requests_total 5\n", t0, server, error), "");
  CAF_CHECK(error.find("no node_exporter metrics") != std::string::npos);
}

CAF_TEST(report times are RFC 3339 in UTC) {
  CAF_CHECK_EQUAL(agent::rfc3339_utc(t0 + 250), "2025-11-26T22:00:00.250Z");
  CAF_CHECK_EQUAL(ingest::parse_rfc3339_ms(agent::rfc3339_utc(t0 + 250)).value_or(0), t0 + 250);
}
