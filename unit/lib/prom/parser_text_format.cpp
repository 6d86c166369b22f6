#define CAF_SUITE lib.prom.parser_text_format
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

CAF_TEST(help and type lines describe the family of the samples after them) {
  parsed p{"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
           "# TYPE node_cpu_seconds_total counter\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78\n"
           "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 12345.67\n"
           "node_memory_MemTotal_bytes 8589934592\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 3u);
  CAF_CHECK_EQUAL(p.name(0), "node_cpu_seconds_total");
  CAF_CHECK_EQUAL(p.type(0), "counter");
  CAF_CHECK_EQUAL(p.help(1), "Seconds the CPUs spent in each mode.");
  CAF_CHECK_EQUAL(p.labels(0), "cpu=0,mode=idle");
  CAF_CHECK_EQUAL(p.labels(1), "cpu=0,mode=system");
  CAF_CHECK_EQUAL(p.value(1), 12345.67);
  CAF_CHECK_EQUAL(p.type(2), "untyped");
  CAF_CHECK_EQUAL(p.value(2), 8589934592.0);
  CAF_CHECK_EQUAL(p.batch.populated_family_count(), 2u);
}

CAF_TEST(other comments and blank lines are ignored) {
  parsed p{"# just a comment\n\n#another\n   \n# HELP\nup 1\n# TYPE\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p.name(0), "up");
}

CAF_TEST(timestamps are optional int64 milliseconds) {
  parsed p{"a 1 1700000000123\nb 2\nc 3 -42\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK(p.at(0).has_timestamp);
  CAF_CHECK_EQUAL(p.at(0).timestamp_ms, 1700000000123);
  CAF_CHECK(!p.at(1).has_timestamp);
  CAF_CHECK_EQUAL(p.at(2).timestamp_ms, -42);
}

CAF_TEST(special values NaN and infinities) {
  parsed p{"a NaN\nb +Inf\nc -Inf\nd 1.5e-3\ne -2E+2\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK(std::isnan(p.value(0)));
  CAF_CHECK(p.value(1) == HUGE_VAL);
  CAF_CHECK(p.value(2) == -HUGE_VAL);
  CAF_CHECK_EQUAL(p.value(3), 0.0015);
  CAF_CHECK_EQUAL(p.value(4), -200.0);
}

CAF_TEST(empty label sets and trailing commas are accepted) {
  parsed p{"a{} 1\nb{x=\"1\",} 2\nc{x=\"1\",y=\"2\",} 3\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.labels(0), "");
  CAF_CHECK_EQUAL(p.labels(1), "x=1");
  CAF_CHECK_EQUAL(p.labels(2), "x=1,y=2");
}

CAF_TEST(blanks around tokens and CRLF line ends are tolerated) {
  parsed p{"  a { x = \"1\" , y=\"2\" }   7  100 \r\n\tb\t3\r\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_REQUIRE_EQUAL(p.size(), 2u);
  CAF_CHECK_EQUAL(p.labels(0), "x=1,y=2");
  CAF_CHECK_EQUAL(p.value(0), 7.0);
  CAF_CHECK_EQUAL(p.at(0).timestamp_ms, 100);
  CAF_CHECK_EQUAL(p.value(1), 3.0);
}

CAF_TEST(the last line needs no newline and an empty body is valid) {
  parsed p{"a 1\nb 2"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.size(), 2u);
  parsed empty{""};
  CAF_CHECK(empty.result.ok);
  CAF_CHECK_EQUAL(empty.size(), 0u);
}

CAF_TEST(metric names may hold colons and label values any UTF - 8) {
  parsed p{"job:rate5m{path=\"/ünïcödé/路径\"} 1\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.name(0), "job:rate5m");
  CAF_CHECK_EQUAL(p.label(0, "path"), "/ünïcödé/路径");
}

CAF_TEST(type names are case insensitive in text format as in the Go parser) {
  parsed p{"# TYPE a COUNTER\na 1\n# TYPE b Gauge\nb 2\n"};
  CAF_REQUIRE(p.result.ok);
  CAF_CHECK_EQUAL(p.type(0), "counter");
  CAF_CHECK_EQUAL(p.type(1), "gauge");
}

CAF_TEST(format detection from content type and body) {
  CAF_CHECK(detect_format("text/plain; version=0.0.4", "# EOF\n") == exposition_format::text);
  CAF_CHECK(detect_format("application/openmetrics-text; version=1.0.0", "a 1\n")
            == exposition_format::openmetrics);
  CAF_CHECK(detect_format("Application/OpenMetrics-Text", "") == exposition_format::openmetrics);
  CAF_CHECK(detect_format("", "a 1\n# EOF\n") == exposition_format::openmetrics);
  CAF_CHECK(detect_format("", "a 1\n# EOF") == exposition_format::openmetrics);
  CAF_CHECK(detect_format("", "a 1\n") == exposition_format::text);
  CAF_CHECK(detect_format("", "a 1\n#EOF\n") == exposition_format::text);
  CAF_CHECK(detect_format("application/json", "a 1\n") == exposition_format::text);
  CAF_CHECK(!format_from_content_type("application/json"));
}
