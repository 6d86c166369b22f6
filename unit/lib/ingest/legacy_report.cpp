#define CAF_SUITE lib.ingest.legacy_report
#include <caf/test/unit_test.hpp>

#include "lib/ingest/legacy_report.hpp"
#include "lib/prom/jsonl_writer.hpp"

#include <string>

using namespace nodepulse;

namespace {

constexpr int64_t received = 1761559200000; // 2025-10-27T10:00:00Z

const char* full_report = R"({
  "timestamp": "2025-10-27T09:59:45Z",
  "server_id": "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11",
  "hostname": "web-1",
  "system_info": {"hostname": "web-1", "kernel": "Linux",
                  "kernel_version": "6.1.0-18-amd64", "distro": "debian",
                  "distro_version": "12", "architecture": "amd64",
                  "cpu_cores": 4},
  "cpu": {"usage_percent": 12.5},
  "memory": {"used_mb": 2048, "total_mb": 8192, "usage_percent": 25},
  "network": {"upload_bytes": 1200, "download_bytes": 3400},
  "uptime": {"days": 3.5},
  "future_field": {"ignored": true}
})";

struct mapped {
  prom::sample_batch batch;
  ingest::legacy_report report;
  std::string error;
  explicit mapped(const std::string& json) {
    error = ingest::parse_legacy_report(json, received, batch, report);
  }
  std::string jsonl() const {
    std::string out;
    for (const auto& s : batch.samples)
      prom::append_jsonl_sample(batch, s, out);
    return out;
  }
};

} // namespace

CAF_TEST(a full report becomes eight gauges at the report time) {
  mapped m{full_report};
  CAF_REQUIRE_EQUAL(m.error, "");
  CAF_CHECK_EQUAL(m.report.server_id, "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11");
  CAF_CHECK_EQUAL(m.report.timestamp_ms, received - 15000);
  CAF_CHECK_EQUAL(m.jsonl(),
                  "{\"name\":\"nodepulse_cpu_usage_percent\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":12.5,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_memory_used_bytes\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":2147483648,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_memory_total_bytes\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":8589934592,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_memory_usage_percent\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":25,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_network_upload_bytes\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":1200,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_network_download_bytes\",\"type\":\"gauge\",\"labels\":{},"
                  "\"value\":3400,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_uptime_days\",\"type\":\"gauge\",\"labels\":{},\"value\":"
                  "3.5,\"timestamp_ms\":1761559185000}\n"
                  "{\"name\":\"nodepulse_system_info\",\"type\":\"gauge\",\"labels\":{\"hostname\":"
                  "\"web-1\",\"kernel\":\"Linux\",\"kernel_version\":\"6.1.0-18-amd64\",\"distro\":"
                  "\"debian\",\"distro_version\":\"12\",\"architecture\":\"amd64\",\"cpu_cores\":"
                  "\"4\"},\"value\":1,\"timestamp_ms\":1761559185000}\n");
  CAF_CHECK_EQUAL(std::string{m.batch.families[1].help},
                  "Memory in use in bytes (legacy memory.used_mb x 1048576).");
}

CAF_TEST(missing sections are skipped and a missing timestamp is the receive time) {
  mapped m{R"({"server_id":"s","cpu":{"usage_percent":1},"hostname":"h"})"};
  CAF_REQUIRE_EQUAL(m.error, "");
  CAF_CHECK_EQUAL(m.report.timestamp_ms, received);
  CAF_REQUIRE_EQUAL(m.batch.samples.size(), 2u);
  CAF_CHECK_EQUAL(std::string{m.batch.samples[1].name}, "nodepulse_system_info");
  CAF_CHECK_EQUAL(std::string{m.batch.labels_of(m.batch.samples[1].labels).begin()->value}, "h");
}

CAF_TEST(malformed JSON names its line and column) {
  mapped m{"{\n  \"server_id\": \"s\",\n  \"cpu\": {\"usage_percent\": 1,}\n}"};
  CAF_CHECK_EQUAL(m.error, "invalid JSON: parse error at line 3, column 30: syntax "
                           "error while parsing object key - unexpected '}'; "
                           "expected string literal");
  CAF_CHECK(m.batch.samples.empty());
}

CAF_TEST(a number too large for a double is invalid JSON and not a crash) {
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","cpu":{"usage_percent":8.8e70000}})"}.error,
                  "invalid JSON: number overflow parsing '8.8e70000'");
}

CAF_TEST(deep nesting is refused before the document is built) {
  std::string bomb(60 * 1024, '[');
  CAF_CHECK_EQUAL(mapped{bomb}.error,
                  "invalid JSON: nested deeper than 8 levels at line 1, column 9");
  // Brackets inside strings are text.
  mapped quoted{R"({"server_id":"[[[[[[[[[[","cpu":{"usage_percent":1}})"};
  CAF_CHECK_EQUAL(quoted.error, "");
  CAF_CHECK_EQUAL(mapped{std::string(70 * 1024, ' ') + "{}"}.error,
                  "the report is 71682 bytes; at most 65536 are accepted");
}

CAF_TEST(strings PostgreSQL cannot store or that are too long are refused) {
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","system_info":{"hostname":"a\u0000b"}})"}.error,
                  "field 'system_info.hostname' holds a NUL character, which cannot be stored");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","hostname":")" + std::string(2000, 'h') + "\"}"}.error,
                  "field 'system_info.hostname' is longer than 1024 bytes");
}

CAF_TEST(wrong types name the field) {
  CAF_CHECK_EQUAL(mapped{"[1]"}.error, "the report must be a JSON object, got array");
  CAF_CHECK_EQUAL(mapped{R"({"cpu":{}})"}.error, "missing field 'server_id'");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":7})"}.error,
                  "field 'server_id' must be a string, got number");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","cpu":{"usage_percent":"high"}})"}.error,
                  "field 'cpu.usage_percent' must be a number, got string");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","memory":[1]})"}.error,
                  "field 'memory' must be an object, got array");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s","system_info":{"cpu_cores":1.5}})"}.error,
                  "field 'system_info.cpu_cores' must be a string or an integer, got number");
  CAF_CHECK_EQUAL(
    mapped{R"({"server_id":"s","timestamp":"yesterday","cpu":{"usage_percent":1}})"}.error,
    "field 'timestamp' is not an RFC 3339 time: 'yesterday'");
  CAF_CHECK_EQUAL(mapped{R"({"server_id":"s"})"}.error,
                  "the report holds no metrics (cpu, memory, network, uptime or system_info)");
}

CAF_TEST(RFC 3339 times with fractions and offsets) {
  using ingest::parse_rfc3339_ms;
  CAF_CHECK_EQUAL(parse_rfc3339_ms("1970-01-01T00:00:00Z").value_or(-1), 0);
  CAF_CHECK_EQUAL(parse_rfc3339_ms("2025-10-27T10:00:00Z").value_or(-1), received);
  CAF_CHECK_EQUAL(parse_rfc3339_ms("2025-10-27T12:00:00.250+02:00").value_or(-1), received + 250);
  CAF_CHECK_EQUAL(parse_rfc3339_ms("2025-10-27T05:30:00.123456789-04:30").value_or(-1),
                  received + 123);
  CAF_CHECK_EQUAL(parse_rfc3339_ms("2024-02-29T00:00:00z").value_or(-1), 1709164800000);
  CAF_CHECK(!parse_rfc3339_ms("2025-10-27 10:00:00")); // no zone
  CAF_CHECK(!parse_rfc3339_ms("2025-13-01T00:00:00Z"));
  CAF_CHECK(!parse_rfc3339_ms("2025-10-27T10:00:00.Z"));
  CAF_CHECK(!parse_rfc3339_ms("2025-10-27T10:00:00Zjunk"));
  CAF_CHECK(!parse_rfc3339_ms("2025-10-27T10:00:00+0200"));
}
