#define CAF_SUITE lib.prom.parser_openmetrics
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

CAF_TEST(counters with total and created samples and a unit) {
  auto p = parsed::openmetrics("# TYPE http_bytes counter\n"
                               "# UNIT http_bytes bytes\n"
                               "# HELP http_bytes Bytes served.\n"
                               "http_bytes_total{code=\"200\"} 1024 1520879607.789\n"
                               "http_bytes_created{code=\"200\"} 1520430000.123\n"
                               "# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 2u);
  CAF_CHECK_EQUAL(p.name(0), "http_bytes_total");
  CAF_CHECK_EQUAL(p.type(0), "counter");
  CAF_CHECK_EQUAL(p.type(1), "counter");
  CAF_CHECK_EQUAL(p.name(1), "http_bytes_created");
  CAF_CHECK_EQUAL(std::string{p.batch.family_of(p.at(0)).unit}, "bytes");
  CAF_CHECK_EQUAL(p.help(0), "Bytes served.");
  // OpenMetrics timestamps are seconds; we keep milliseconds.
  CAF_CHECK_EQUAL(p.at(0).timestamp_ms, 1520879607789);
  CAF_CHECK_EQUAL(p.value(1), 1520430000.123);
}

CAF_TEST(exemplars are parsed and kept with their sample) {
  auto p =
    parsed::openmetrics("# TYPE lat histogram\n"
                        "lat_bucket{le=\"0.5\"} 7 # {trace_id=\"abc123\"} 0.43 1520879607.5\n"
                        "lat_bucket{le=\"+Inf\"} 9 # {} 2\n"
                        "lat_sum 4.2\n"
                        "lat_count 9\n"
                        "# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.batch.exemplars.size(), 2u);
  const auto& s0 = p.at(0);
  CAF_REQUIRE(s0.exemplar != no_exemplar);
  const auto& ex = p.batch.exemplars[s0.exemplar];
  CAF_CHECK_EQUAL(ex.value, 0.43);
  CAF_CHECK(ex.has_timestamp);
  CAF_CHECK_EQUAL(ex.timestamp_seconds, 1520879607.5);
  auto labels = p.batch.labels_of(ex.labels);
  CAF_REQUIRE_EQUAL(labels.size(), 1u);
  CAF_CHECK_EQUAL(std::string{labels.begin()->name}, "trace_id");
  CAF_CHECK_EQUAL(std::string{labels.begin()->value}, "abc123");
  // The exemplar's labels are not the sample's.
  CAF_CHECK_EQUAL(p.labels(0), "le=0.5");
  CAF_CHECK(!p.batch.exemplars[p.at(1).exemplar].has_timestamp);
  CAF_CHECK(p.at(2).exemplar == no_exemplar);
}

CAF_TEST(an exemplar on a gauge is an error) {
  auto p = parsed::openmetrics("g 1 # {a=\"b\"} 1\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_column(), 5u);
  CAF_CHECK(p.error_mentions("exemplar on 'g'"));
}

CAF_TEST(exemplar labels over 128 characters are an error) {
  std::string long_id(130, 'x');
  auto p = parsed::openmetrics("c_total 1 # {id=\"" + long_id + "\"} 1\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("exemplar labels too long"));
}

CAF_TEST(inf and nan are case insensitive) {
  auto p = parsed::openmetrics("a +inf\nb -INF\nc nan\nd Inf\n# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK(p.value(0) == HUGE_VAL);
  CAF_CHECK(p.value(1) == -HUGE_VAL);
  CAF_CHECK(std::isnan(p.value(2)));
  CAF_CHECK(p.value(3) == HUGE_VAL);
}

CAF_TEST(the end marker is required) {
  auto p = parsed::openmetrics("a 1\nb 2\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 3, column 1: missing # EOF at the end of "
                             "OpenMetrics input");
}

CAF_TEST(nothing may follow the end marker) {
  auto p = parsed::openmetrics("a 1\n# EOF\nb 2\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 3, column 1: content after # EOF");
}

CAF_TEST(families must not be interleaved) {
  auto p = parsed::openmetrics("# TYPE a gauge\na 1\nb 2\na 3\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error_line(), 4u);
  CAF_CHECK(p.error_mentions("must not be interleaved"));
}

CAF_TEST(a counter sample without total does not fit) {
  auto p = parsed::openmetrics("# TYPE c counter\nc 1\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("does not fit family 'c' of type counter"));
}

CAF_TEST(the unit must be the suffix of the family name) {
  auto p = parsed::openmetrics("# UNIT temp celsius\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.error(), "line 1, column 13: unit 'celsius' is not a "
                             "suffix of metric name 'temp'");
}

CAF_TEST(info gaugehistogram stateset and unknown types) {
  auto p = parsed::openmetrics("# TYPE build info\nbuild_info{version=\"1.2\"} 1\n"
                               "# TYPE queue gaugehistogram\nqueue_bucket{le=\"+Inf\"} 3\n"
                               "queue_gsum 2\nqueue_gcount 3\n"
                               "# TYPE feature stateset\nfeature{feature=\"a\"} 1\n"
                               "# TYPE mystery unknown\nmystery 4\n"
                               "plain 5\n# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.type(0), "info");
  CAF_CHECK_EQUAL(p.type(1), "gaugehistogram");
  CAF_CHECK_EQUAL(p.type(3), "gaugehistogram");
  CAF_CHECK_EQUAL(p.type(4), "stateset");
  CAF_CHECK_EQUAL(p.type(5), "unknown");
  CAF_CHECK_EQUAL(p.type(6), "unknown");
}

CAF_TEST(empty lines and free comments are errors) {
  auto empty = parsed::openmetrics("a 1\n\nb 2\n# EOF\n");
  CAF_CHECK(!empty.result.ok);
  CAF_CHECK_EQUAL(empty.error_line(), 2u);
  auto comment = parsed::openmetrics("# hello\n# EOF\n");
  CAF_CHECK(!comment.result.ok);
  CAF_CHECK(comment.error_mentions("unexpected comment"));
}

CAF_TEST(metadata after the samples of its family is an error) {
  auto p = parsed::openmetrics("a 1\n# HELP a late\n# EOF\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK(p.error_mentions("after its samples"));
}

CAF_TEST(an integer-millisecond timestamp written for text means seconds here) {
  auto p = parsed::openmetrics("a 1 1700000000\n# EOF\n");
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.at(0).timestamp_ms, 1700000000000);
}

CAF_TEST(a second UNIT line or a UNIT after samples is an error) {
  auto twice = parsed::openmetrics("# UNIT a_bytes bytes\n# UNIT a_bytes bytes\n# EOF\n");
  CAF_CHECK_EQUAL(twice.error(), "line 2, column 1: second UNIT line for metric 'a_bytes'");
  auto late = parsed::openmetrics("a_bytes 1\n# UNIT a_bytes bytes\n# EOF\n");
  CAF_CHECK_EQUAL(late.error(), "line 2, column 1: UNIT for 'a_bytes' after its samples");
}

CAF_TEST(metadata for a family seen before another family is an error) {
  auto p = parsed::openmetrics("# TYPE a gauge\na 1\n# TYPE b gauge\n# HELP a late\n# EOF\n");
  CAF_CHECK_EQUAL(p.error_line(), 4u);
  CAF_CHECK(p.error_mentions("metadata for family 'a' after another family"));
}

CAF_TEST(malformed exemplars are errors at the spot) {
  auto no_brace = parsed::openmetrics("c_total 1 # x\n# EOF\n");
  CAF_CHECK_EQUAL(no_brace.error(), "line 1, column 13: expected '{' to open an "
                                    "exemplar's labels, got 'x'");
  auto bad_value = parsed::openmetrics("c_total 1 # {a=\"b\"} x\n# EOF\n");
  CAF_CHECK_EQUAL(bad_value.error(), "line 1, column 21: invalid exemplar value 'x'");
  auto no_value = parsed::openmetrics("c_total 1 # {a=\"b\"}\n# EOF\n");
  CAF_CHECK_EQUAL(no_value.error(), "line 1, column 20: invalid exemplar value ''");
  auto bad_ts = parsed::openmetrics("c_total 1 # {a=\"b\"} 1 NaN\n# EOF\n");
  CAF_CHECK_EQUAL(bad_ts.error(), "line 1, column 23: invalid exemplar timestamp 'NaN'");
  auto extra = parsed::openmetrics("c_total 1 # {a=\"b\"} 1 2 3\n# EOF\n");
  CAF_CHECK_EQUAL(extra.error(), "line 1, column 25: unexpected text after the exemplar");
}

CAF_TEST(an openmetrics timestamp must be finite seconds) {
  auto p = parsed::openmetrics("a 1 +Inf\n# EOF\n");
  CAF_CHECK_EQUAL(p.error(), "line 1, column 5: invalid timestamp '+Inf' "
                             "(OpenMetrics wants seconds)");
  auto huge = parsed::openmetrics("a 1 1e300\n# EOF\n");
  CAF_CHECK(huge.error_mentions("invalid timestamp"));
}
