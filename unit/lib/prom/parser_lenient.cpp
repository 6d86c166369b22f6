#define CAF_SUITE lib.prom.parser_lenient
#include <caf/test/unit_test.hpp>

#include "unit/lib/prom/parser_support.hpp"

using namespace nodepulse::prom;
using nodepulse::prom::test::parsed;

CAF_TEST(bad lines are skipped and counted and the rest is kept) {
  auto p = parsed::lenient("# TYPE a gauge\n"
                           "a{x=\"1\"} 1\n"
                           "a{x=\"2\" 2\n" // unclosed label set
                           "b 1 2 3\n"     // spurious text
                           "a{x=\"3\"} 3\n"
                           "c oops\n"
                           "d 4\n");
  CAF_CHECK(!p.result.ok);
  CAF_CHECK_EQUAL(p.result.bad_lines, 3u);
  CAF_REQUIRE_EQUAL(p.result.errors.size(), 3u);
  CAF_CHECK_EQUAL(p.result.errors[0].line, 3u);
  CAF_CHECK_EQUAL(p.result.errors[1].line, 4u);
  CAF_CHECK_EQUAL(p.result.errors[2].line, 6u);
  CAF_REQUIRE_EQUAL(p.size(), 3u);
  CAF_CHECK_EQUAL(p.labels(0), "x=1");
  CAF_CHECK_EQUAL(p.labels(1), "x=3");
  CAF_CHECK_EQUAL(p.type(1), "gauge");
  CAF_CHECK_EQUAL(p.name(2), "d");
}

CAF_TEST(a rejected sample leaves no stray labels behind) {
  auto p = parsed::lenient("a{x=\"1\",y=\"2\"} bad\nb{z=\"3\"} 1\n");
  CAF_REQUIRE_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p.batch.labels.size(), 1u);
  CAF_CHECK_EQUAL(p.labels(0), "z=3");
}

CAF_TEST(a bad TYPE line leaves its samples untyped) {
  auto p = parsed::lenient("# TYPE a nonsense\na 1\n");
  CAF_CHECK_EQUAL(p.result.bad_lines, 1u);
  CAF_REQUIRE_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p.type(0), "untyped");
}

CAF_TEST(reported errors are bounded but all bad lines are counted) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "bad line\n";
  body += "good 1\n";
  auto p = parsed::lenient(body);
  CAF_CHECK_EQUAL(p.result.bad_lines, 100u);
  CAF_CHECK_EQUAL(p.result.errors.size(), parse_options{}.max_reported_errors);
  CAF_CHECK_EQUAL(p.size(), 1u);
}

CAF_TEST(openmetrics without end marker keeps its samples in lenient mode) {
  auto p = parsed::openmetrics("a 1\nb 2\n", parse_mode::lenient);
  CAF_CHECK_EQUAL(p.size(), 2u);
  CAF_CHECK_EQUAL(p.result.bad_lines, 1u);
  CAF_CHECK(p.error_mentions("missing # EOF"));
}
