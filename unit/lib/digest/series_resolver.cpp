#define CAF_SUITE lib.digest.series_resolver
#include <caf/test/unit_test.hpp>

#include "lib/digest/series_resolver.hpp"
#include "unit/lib/prom/parser_support.hpp"
#include "unit/support/scripted_catalog.hpp"

#include <string>

using namespace nodepulse;
using prom::test::parsed;

namespace {

constexpr int64_t day_ms = 86'400'000;
constexpr int64_t today = 1764194400000; // 2025-11-26 22:00:00 UTC
constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
constexpr const char* server_b = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

constexpr const char* scrape = "# TYPE node_cpu_seconds_total counter\n"
                               "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
                               "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2\n"
                               "# TYPE node_load1 gauge\n"
                               "node_load1 0.5\n";

struct fixture {
  test::scripted_catalog db;
  digest::series_cache cache{1000};

  // Parses `text` stamped `at` for each server and resolves the lot.
  digest::resolved_lot resolve(const std::vector<std::string>& servers, int64_t at,
                               int64_t keep_from = 0, const char* text = scrape) {
    std::vector<std::unique_ptr<parsed>> batches;
    std::vector<digest::batch_ref> lot;
    for (const auto& s : servers) {
      batches.push_back(std::make_unique<parsed>(text));
      batches.back()->batch.fill_missing_timestamps(at);
      lot.push_back({&batches.back()->batch, s});
    }
    digest::resolved_lot out;
    digest::db_error error;
    if (!digest::resolve_series_ids(lot, keep_from, cache, db, out, error))
      CAF_FAIL("resolve failed: " << error.message);
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(series_resolver_tests, fixture)

CAF_TEST(a new lot asks the catalogue once for its metrics and once for its series) {
  auto lot = resolve({server_a, server_b}, today);
  CAF_CHECK_EQUAL(db.metric_calls, 1u);
  CAF_CHECK_EQUAL(db.series_calls, 1u);
  CAF_CHECK_EQUAL(db.metrics.size(), 2u); // the counter and the gauge
  CAF_CHECK_EQUAL(db.series.size(), 6u);  // three series on each server
  CAF_CHECK_EQUAL(lot.looked_up, 6u);
  CAF_REQUIRE_EQUAL(lot.ids.size(), 2u);
  CAF_CHECK_EQUAL(lot.ids[0], (std::vector<int64_t>{1, 2, 3}));
  CAF_CHECK_EQUAL(lot.ids[1], (std::vector<int64_t>{4, 5, 6}));
}

CAF_TEST(what the cache has costs no query) {
  resolve({server_a}, today);
  auto again = resolve({server_a}, today + 15'000);
  CAF_CHECK_EQUAL(db.metric_calls, 1u);
  CAF_CHECK_EQUAL(db.series_calls, 1u);
  CAF_CHECK_EQUAL(db.touch_calls, 0u); // the same day: last_seen stays
  CAF_CHECK_EQUAL(again.ids[0], (std::vector<int64_t>{1, 2, 3}));
  CAF_CHECK_EQUAL(again.looked_up, 0u);
}

CAF_TEST(the first sample of a new day moves last_seen once) {
  resolve({server_a}, today);
  auto next_day = resolve({server_a}, today + day_ms);
  CAF_CHECK_EQUAL(db.touch_calls, 1u);
  CAF_CHECK_EQUAL(next_day.touched, 3u);
  for (const auto& [key, s] : db.series)
    CAF_CHECK_EQUAL(s.second, (today + day_ms) / day_ms);
  resolve({server_a}, today + day_ms + 15'000);
  CAF_CHECK_EQUAL(db.touch_calls, 1u);
}

CAF_TEST(samples older than the retention get no series) {
  auto lot = resolve({server_a}, today - 8 * day_ms, today - 7 * day_ms);
  CAF_CHECK_EQUAL(lot.too_old, 3u);
  CAF_CHECK_EQUAL(lot.ids[0], (std::vector<int64_t>{0, 0, 0}));
  CAF_CHECK(db.series.empty());
}

CAF_TEST(a cached series the retention removed is made again) {
  resolve({server_a}, today);
  db.remove_series(2);
  auto lot = resolve({server_a}, today + day_ms);
  CAF_CHECK_EQUAL(lot.ids[0], (std::vector<int64_t>{1, 4, 3}));
  CAF_CHECK_EQUAL(db.series.size(), 3u);
}

CAF_TEST(a metric gone under a cached id is asked for again) {
  resolve({server_a}, today);
  db.remove_metric(2);                   // node_load1's: the gauge
  auto lot = resolve({server_b}, today); // server_b's series are new: made with metric 2
  CAF_CHECK_EQUAL(db.metrics.size(), 2u);
  CAF_CHECK_EQUAL(lot.ids[0].size(), 3u);
  CAF_CHECK_NOT_EQUAL(lot.ids[0][2], 0);
  CAF_CHECK_EQUAL(db.metric_calls, 2u);
}

CAF_TEST(a catalogue that cannot be reached fails the lot with its reason) {
  db.catalogue_down = true;
  parsed p{scrape};
  p.batch.fill_missing_timestamps(today);
  digest::resolved_lot out;
  digest::db_error error;
  CAF_CHECK(!digest::resolve_series_ids({{&p.batch, server_a}}, 0, cache, db, out, error));
  CAF_CHECK(error.connection_lost);
  CAF_CHECK_EQUAL(error.message, "server closed the connection unexpectedly");
}

CAF_TEST_FIXTURE_SCOPE_END()
