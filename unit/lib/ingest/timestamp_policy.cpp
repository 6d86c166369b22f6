#define CAF_SUITE lib.ingest.timestamp_policy
#include <caf/test/unit_test.hpp>

#include "lib/ingest/timestamp_policy.hpp"
#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse;
using nodepulse::prom::test::parsed;

namespace {

constexpr int64_t now = 1700000000000;
constexpr int64_t skew = ingest::default_max_future_skew_ms;

} // namespace

CAF_TEST(samples without a timestamp get the receive time) {
  parsed p{"a 1\nb 2 1699999990000\n"};
  auto v = ingest::apply_timestamp_policy(p.batch, now, skew);
  CAF_CHECK_EQUAL(v.rejected, 0u);
  CAF_CHECK_EQUAL(v.first_reason, "");
  CAF_REQUIRE_EQUAL(p.size(), 2u);
  CAF_CHECK(p.at(0).has_timestamp);
  CAF_CHECK_EQUAL(p.at(0).timestamp_ms, now);
  CAF_CHECK_EQUAL(p.at(1).timestamp_ms, 1699999990000);
}

CAF_TEST(samples too far in the future are dropped counted and named) {
  parsed p{"# TYPE a gauge\n"
           "a{i=\"1\"} 1\n"
           "a{i=\"2\"} 2 1700000754000\n" // 754 s ahead: dropped
           "a{i=\"3\"} 3 1700000600000\n" // exactly at the limit: kept
           "b 4 1700009999000\n"          // dropped
           "c 5 1600000000000\n"};        // far in the past: kept
  auto v = ingest::apply_timestamp_policy(p.batch, now, skew);
  CAF_CHECK_EQUAL(v.rejected, 2u);
  CAF_CHECK_EQUAL(v.first_line, 3u);
  CAF_CHECK_EQUAL(v.first_reason, "sample 'a' at line 3 is 754 s ahead of the "
                                  "ingest clock (limit 600 s)");
  CAF_REQUIRE_EQUAL(p.size(), 3u);
  CAF_CHECK_EQUAL(p.labels(0), "i=1");
  CAF_CHECK_EQUAL(p.labels(1), "i=3");
  CAF_CHECK_EQUAL(p.name(2), "c");
  CAF_CHECK_EQUAL(p.batch.families[0].sample_count, 2u);
  // b lost its only sample: no longer counted as a family.
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 2u);
}

CAF_TEST(samples remember the line they came from) {
  parsed p{"# HELP a x\n\na 1\n# comment\nb 2\n"};
  CAF_CHECK_EQUAL(p.at(0).line, 3u);
  CAF_CHECK_EQUAL(p.at(1).line, 5u);
}
