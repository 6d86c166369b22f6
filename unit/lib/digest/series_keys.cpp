#define CAF_SUITE lib.digest.series_keys
#include <caf/test/unit_test.hpp>

#include "lib/digest/series_cache.hpp"
#include "lib/digest/series_keys.hpp"
#include "unit/lib/prom/parser_support.hpp"

#include <string>

using namespace nodepulse;
using prom::test::parsed;

namespace {

const prom::sample& sample_named(const parsed& p, std::string_view name) {
  for (const auto& s : p.batch.samples)
    if (s.name == name)
      return s;
  CAF_FAIL("no sample " << name);
}

std::string labels_of(const parsed& p, std::string_view name) {
  std::string out;
  digest::append_labels_json(p.batch, sample_named(p, name), out);
  return out;
}

} // namespace

CAF_TEST(a gauge gets its help and the unit its name ends in) {
  parsed p{"# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.\n"
           "# TYPE node_memory_MemTotal_bytes gauge\n"
           "node_memory_MemTotal_bytes 8.589934592e+09\n"
           "# TYPE node_cpu_seconds_total counter\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78\n"};
  auto mem = digest::metric_of(p.batch, sample_named(p, "node_memory_MemTotal_bytes"));
  CAF_CHECK_EQUAL(mem.name, "node_memory_MemTotal_bytes");
  CAF_CHECK_EQUAL(mem.type, "gauge");
  CAF_CHECK(mem.help == std::optional<std::string>{"Memory information field MemTotal_bytes."});
  CAF_CHECK(mem.unit == std::optional<std::string>{"bytes"});
  auto cpu = digest::metric_of(p.batch, sample_named(p, "node_cpu_seconds_total"));
  CAF_CHECK(cpu.help == std::nullopt);
  CAF_CHECK(cpu.unit == std::optional<std::string>{"seconds"});
}

CAF_TEST(the buckets sum and count of a histogram are metrics of its type) {
  parsed p{"# TYPE rpc_duration_seconds histogram\n"
           "rpc_duration_seconds_bucket{le=\"0.1\"} 3\n"
           "rpc_duration_seconds_bucket{le=\"+Inf\"} 5\n"
           "rpc_duration_seconds_sum 1.5\n"
           "rpc_duration_seconds_count 5\n"};
  for (auto name :
       {"rpc_duration_seconds_bucket", "rpc_duration_seconds_sum", "rpc_duration_seconds_count"}) {
    auto m = digest::metric_of(p.batch, sample_named(p, name));
    CAF_CHECK_EQUAL(m.name, name);
    CAF_CHECK_EQUAL(m.type, "histogram");
  }
  CAF_CHECK_EQUAL(labels_of(p, "rpc_duration_seconds_sum"), "{}");
}

CAF_TEST(an OpenMetrics unit is taken from its UNIT line) {
  // kelvin is not among the base units guessed from names: only UNIT says it.
  auto p = parsed::openmetrics(
    "# TYPE temp_kelvin gauge\n# UNIT temp_kelvin kelvin\ntemp_kelvin 294.5\n# EOF\n");
  CAF_CHECK(digest::metric_of(p.batch, sample_named(p, "temp_kelvin")).unit
            == std::optional<std::string>{"kelvin"});
}

CAF_TEST(label sets that differ only in order are one key) {
  parsed p{"a{mode=\"idle\",cpu=\"0\"} 1\nb{cpu=\"0\",mode=\"idle\"} 1\n"};
  CAF_CHECK_EQUAL(labels_of(p, "a"), "{\"cpu\":\"0\",\"mode\":\"idle\"}");
  CAF_CHECK_EQUAL(labels_of(p, "a"), labels_of(p, "b"));
}

CAF_TEST(label values are escaped as JSON) {
  parsed p{"odd{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\"} 1\n"};
  CAF_CHECK_EQUAL(labels_of(p, "odd"),
                  "{\"nl\":\"a\\nb\",\"path\":\"C:\\\\dir\",\"quote\":\"say \\\"hi\\\"\"}");
}

CAF_TEST(cache keys cannot be made to collide through the content of a field) {
  using digest::series_cache;
  digest::metric_key a{"m", "gauge", std::nullopt, std::string{"u:-"}};
  digest::metric_key b{"m", "gauge", std::string{"-"}, std::string{"u"}};
  CAF_CHECK_NOT_EQUAL(series_cache::metric_key_text(a), series_cache::metric_key_text(b));
  digest::metric_key no_help{"m", "gauge", std::nullopt, std::nullopt};
  digest::metric_key empty_help{"m", "gauge", std::string{}, std::nullopt};
  CAF_CHECK_NOT_EQUAL(series_cache::metric_key_text(no_help),
                      series_cache::metric_key_text(empty_help));
}

CAF_TEST(the cache keeps at most its bound and what is used stays) {
  digest::series_cache cache{4};
  auto held = cache.lock();
  for (int i = 0; i < 100; ++i) {
    cache.add_series("k" + std::to_string(i), {i + 1, 0});
    CAF_CHECK(cache.series("k0") != nullptr); // used all along: never ages out
    CAF_CHECK_LESS_OR_EQUAL(cache.series_count(), 4u);
  }
  CAF_CHECK(cache.series("k1") == nullptr);
  CAF_CHECK_EQUAL(cache.series("k99")->series_id, 100);
  CAF_CHECK_EQUAL(cache.series("k0")->series_id, 1);
}
