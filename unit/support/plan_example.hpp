// The integration plan's example push (its "Submarines New Endpoint
// Specification"): four samples, which the
// contract answers with "metrics_received":4. Shared by every test that
// checks that answer or the stream entry it becomes.
#pragma once

namespace nodepulse::test {

inline constexpr const char* plan_example_body =
  "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
  "# TYPE node_cpu_seconds_total counter\n"
  "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78\n"
  "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 12345.67\n"
  "node_memory_MemTotal_bytes 8589934592\n"
  "node_memory_MemAvailable_bytes 4294967296\n";

} // namespace nodepulse::test
