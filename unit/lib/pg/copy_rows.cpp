#define CAF_SUITE lib.pg.copy_rows
#include <caf/test/unit_test.hpp>

#include "lib/pg/copy_rows.hpp"
#include "unit/lib/prom/parser_support.hpp"

#include <string>

using namespace nodepulse;
using prom::test::parsed;

namespace {

constexpr const char* server = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
constexpr int64_t t0 = 1764194400000; // 2025-11-26 22:00:00 UTC

std::string rows_of(parsed& p, int64_t keep_from_ms = 0, pg::copy_stats* stats = nullptr) {
  if (!p.result.ok)
    CAF_FAIL("body rejected");
  p.batch.fill_missing_timestamps(t0);
  std::string out;
  auto s = pg::append_copy_rows(p.batch, server, keep_from_ms, out);
  if (stats != nullptr)
    *stats = s;
  return out;
}

} // namespace

CAF_TEST(a gauge with labels help and a unit from its name) {
  parsed p{"# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.\n"
           "# TYPE node_memory_MemTotal_bytes gauge\n"
           "node_memory_MemTotal_bytes 8.589934592e+09\n"
           "# TYPE node_cpu_seconds_total counter\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78 1764194401500\n"};
  CAF_CHECK_EQUAL(rows_of(p),
                  std::string{server}
                    + "\tnode_memory_MemTotal_bytes\tgauge\t{}\t8589934592\t"
                      "2025-11-26 22:00:00.000+00\tMemory information field MemTotal_bytes.\t"
                      "bytes\n"
                    + server
                    + "\tnode_cpu_seconds_total\tcounter\t{\"cpu\":\"0\",\"mode\":\"idle\"}\t"
                      "123456.78\t2025-11-26 22:00:01.500+00\t\\N\tseconds\n");
}

CAF_TEST(a histogram is one row per bucket plus sum and count) {
  parsed p{"# TYPE rpc_duration_seconds histogram\n"
           "rpc_duration_seconds_bucket{le=\"0.1\"} 3\n"
           "rpc_duration_seconds_bucket{le=\"+Inf\"} 5\n"
           "rpc_duration_seconds_sum 1.5\n"
           "rpc_duration_seconds_count 5\n"};
  pg::copy_stats stats;
  auto rows = rows_of(p, 0, &stats);
  CAF_CHECK_EQUAL(stats.rows, 4u);
  CAF_CHECK(rows.find("\trpc_duration_seconds_bucket\thistogram\t{\"le\":\"0.1\"}\t3\t")
            != std::string::npos);
  CAF_CHECK(rows.find("\trpc_duration_seconds_bucket\thistogram\t{\"le\":\"+Inf\"}\t5\t")
            != std::string::npos);
  CAF_CHECK(rows.find("\trpc_duration_seconds_sum\thistogram\t{}\t1.5\t") != std::string::npos);
  CAF_CHECK(rows.find("\trpc_duration_seconds_count\thistogram\t{}\t5\t") != std::string::npos);
}

CAF_TEST(special values and escapes survive COPY text format) {
  parsed p{"# HELP odd A help with a \\\\ backslash and a\\nnewline.\n"
           "odd{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",tab=\"a\tb\"} NaN\n"
           "pos +Inf\n"
           "neg -Inf\n"};
  auto rows = rows_of(p);
  // The label JSON {"path":"C:\\dir","quote":"say \"hi\"","tab":"a\tb"} with
  // each backslash doubled again for COPY.
  CAF_CHECK(rows.find("\todd\tuntyped\t{\"path\":\"C:\\\\\\\\dir\",\"quote\":\"say "
                      "\\\\\"hi\\\\\"\",\"tab\":\"a\\\\tb\"}\tNaN\t")
            != std::string::npos);
  CAF_CHECK(rows.find("\tA help with a \\\\ backslash and a\\nnewline.\t\\N\n")
            != std::string::npos);
  CAF_CHECK(rows.find("\tpos\tuntyped\t{}\tInfinity\t") != std::string::npos);
  CAF_CHECK(rows.find("\tneg\tuntyped\t{}\t-Infinity\t") != std::string::npos);
}

CAF_TEST(an OpenMetrics unit is taken from its UNIT line) {
  // kelvin is not among the base units guessed from names: only UNIT says it.
  auto p = parsed::openmetrics(
    "# TYPE temp_kelvin gauge\n# UNIT temp_kelvin kelvin\ntemp_kelvin 294.5\n# EOF\n");
  auto rows = rows_of(p);
  CAF_CHECK(rows.find("\ttemp_kelvin\tgauge\t{}\t294.5\t2025-11-26 22:00:00.000+00\t\\N\t"
                      "kelvin\n")
            != std::string::npos);
}

CAF_TEST(samples older than the retention are skipped and counted) {
  parsed p{"a 1 1764100000000\nb 2\nc 3 1764194399999\n"};
  pg::copy_stats stats;
  auto rows = rows_of(p, t0, &stats);
  CAF_CHECK_EQUAL(stats.rows, 1u);
  CAF_CHECK_EQUAL(stats.too_old, 2u);
  CAF_CHECK(rows.find("\tb\tuntyped\t{}\t2\t") != std::string::npos);
}
