#define CAF_SUITE lib.prom.parser_families
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

CAF_TEST(histogram buckets sum and count belong to their family) {
  parsed p{"# HELP req_seconds Request latency.\n"
           "# TYPE req_seconds histogram\n"
           "req_seconds_bucket{le=\"0.1\"} 3\n"
           "req_seconds_bucket{le=\"+Inf\"} 5\n"
           "req_seconds_sum 1.25\n"
           "req_seconds_count 5\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 4u);
  for (size_t i = 0; i < p.size(); ++i) {
    CAF_CHECK_EQUAL(p.type(i), "histogram");
    CAF_CHECK_EQUAL(p.help(i), "Request latency.");
    CAF_CHECK_EQUAL(p.at(i).family, p.at(0).family);
  }
  CAF_CHECK_EQUAL(p.name(0), "req_seconds_bucket");
  CAF_CHECK_EQUAL(p.label(1, "le"), "+Inf");
  CAF_CHECK_EQUAL(p.name(3), "req_seconds_count");
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 1u);
}

CAF_TEST(summary quantiles sum and count belong to their family) {
  parsed p{"# TYPE rpc summary\n"
           "# HELP rpc RPC durations.\n"
           "rpc{quantile=\"0.5\"} 0.01\n"
           "rpc{quantile=\"0.99\"} NaN\n"
           "rpc_sum 12\n"
           "rpc_count 100\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 4u);
  for (size_t i = 0; i < p.size(); ++i)
    CAF_CHECK_EQUAL(p.type(i), "summary");
  CAF_CHECK_EQUAL(p.help(3), "RPC durations.");
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 1u);
}

CAF_TEST(a histogram bucket without le is an error naming the sample) {
  parsed p{"# TYPE h histogram\nh_bucket{x=\"1\"} 3\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 2, column 1: histogram sample 'h_bucket' "
                             "has no 'le' label");
}

CAF_TEST(a histogram bucket with an unparsable le is an error) {
  parsed p{"# TYPE h histogram\nh_bucket{le=\"fast\"} 3\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("invalid 'le' value 'fast'"));
}

CAF_TEST(a summary quantile sample without quantile is an error) {
  parsed p{"# TYPE s summary\ns 3\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("has no 'quantile' label"));
}

CAF_TEST(a bare sample in a histogram family does not fit it) {
  parsed p{"# TYPE h histogram\nh 3\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("does not fit family 'h' of type histogram"));
}

CAF_TEST(a second TYPE line for a family is an error) {
  parsed p{"# TYPE a counter\n# TYPE a gauge\na 1\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_line(), 2u);
  CAF_CHECK(p.error_mentions("second TYPE line for metric 'a'"));
}

CAF_TEST(a TYPE line after the samples of its family is an error) {
  parsed p{"a 1\n# TYPE a counter\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_line(), 2u);
}

CAF_TEST(a second HELP line for a family is an error) {
  parsed p{"# HELP a one\n# HELP a two\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("second HELP line for metric 'a'"));
}

CAF_TEST(an unknown type is an error at the type word) {
  parsed p{"# TYPE a countr\n"};
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 1, column 10: unknown metric type 'countr'");
  parsed om_only{"# TYPE a gaugehistogram\n"};
  CAF_CHECK(!om_only.result.ok);
}

CAF_TEST(samples of a family split by another family rejoin it in text format) {
  parsed p{"# TYPE a counter\na{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.type(2), "counter");
  CAF_CHECK_EQUAL(p.at(2).family, p.at(0).family);
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 2u);
}

CAF_TEST(histogram samples after another family find their family again) {
  parsed p{"# TYPE h histogram\nh_count 1\nother 2\nh_sum 3\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.type(2), "histogram");
  CAF_CHECK_EQUAL(p.at(2).family, p.at(0).family);
}

CAF_TEST(untyped samples of different names are separate families) {
  parsed p{"a 1\nb 2\na_sum 3\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 3u);
  for (size_t i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(p.type(i), "untyped");
}

CAF_TEST(a family with metadata but no samples is kept but not counted) {
  parsed p{"# HELP a nothing yet\n# TYPE a gauge\nb 1\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.batch.families.size(), 2u);
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 1u);
}
