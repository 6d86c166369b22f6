#define CAF_SUITE lib.prom.number
#include <caf/test/unit_test.hpp>

#include "lib/prom/number.hpp"

#include <cmath>
#include <limits>
#include <string>

using namespace nodepulse::prom;

namespace {

double value_of(std::string text) {
  double v = -12345;
  if (!parse_value(text, v))
    CAF_FAIL("parse_value rejected '" << text << "'");
  return v;
}

bool rejects(std::string text) {
  double v;
  return !parse_value(text, v);
}

std::string formatted(double v) {
  char buf[value_buffer_size];
  return std::string(buf, format_value(v, buf));
}

} // namespace

CAF_TEST(decimal and exponent values parse exactly) {
  CAF_CHECK_EQUAL(value_of("1.5"), 1.5);
  CAF_CHECK_EQUAL(value_of("-0.25"), -0.25);
  CAF_CHECK_EQUAL(value_of("+3"), 3.0);
  CAF_CHECK_EQUAL(value_of("1e3"), 1000.0);
  CAF_CHECK_EQUAL(value_of("1.5E-3"), 0.0015);
  CAF_CHECK_EQUAL(value_of("8589934592"), 8589934592.0);
  CAF_CHECK_EQUAL(value_of(".5"), 0.5);
}

CAF_TEST(NaN and infinities in the spellings Prometheus accepts) {
  CAF_CHECK(std::isnan(value_of("NaN")));
  CAF_CHECK(std::isnan(value_of("nan")));
  CAF_CHECK(value_of("+Inf") == HUGE_VAL);
  CAF_CHECK(value_of("-Inf") == -HUGE_VAL);
  CAF_CHECK(value_of("Inf") == HUGE_VAL);
  CAF_CHECK(value_of("+inf") == HUGE_VAL);
  CAF_CHECK(value_of("-INF") == -HUGE_VAL);
  CAF_CHECK(value_of("infinity") == HUGE_VAL);
}

CAF_TEST(out of range literals saturate like Go) {
  CAF_CHECK(value_of("1e999") == HUGE_VAL);
  CAF_CHECK(value_of("-1e999") == -HUGE_VAL);
  CAF_CHECK_EQUAL(value_of("1e-999"), 0.0);
}

CAF_TEST(malformed values are rejected) {
  CAF_CHECK(rejects(""));
  CAF_CHECK(rejects("+"));
  CAF_CHECK(rejects("+-1"));
  CAF_CHECK(rejects("1.2.3"));
  CAF_CHECK(rejects("12abc"));
  CAF_CHECK(rejects("abc"));
  CAF_CHECK(rejects("1,5"));
  CAF_CHECK(rejects("--1"));
}

CAF_TEST(int64 timestamps parse with sign and reject overflow) {
  int64_t v = 0;
  CAF_CHECK(parse_int64("1700000000000", v));
  CAF_CHECK_EQUAL(v, 1700000000000);
  CAF_CHECK(parse_int64("-5", v));
  CAF_CHECK_EQUAL(v, -5);
  CAF_CHECK(parse_int64("9223372036854775807", v));
  CAF_CHECK_EQUAL(v, std::numeric_limits<int64_t>::max());
  CAF_CHECK(!parse_int64("9223372036854775808", v));
  CAF_CHECK(!parse_int64("1.5", v));
  CAF_CHECK(!parse_int64("1e3", v));
  CAF_CHECK(!parse_int64("", v));
}

CAF_TEST(values format as the shortest text that reads back exactly) {
  CAF_CHECK_EQUAL(formatted(1.5), "1.5");
  CAF_CHECK_EQUAL(formatted(0.1), "0.1");
  CAF_CHECK_EQUAL(formatted(8589934592.0), "8589934592");
  CAF_CHECK_EQUAL(formatted(std::nan("")), "NaN");
  CAF_CHECK_EQUAL(formatted(HUGE_VAL), "+Inf");
  CAF_CHECK_EQUAL(formatted(-HUGE_VAL), "-Inf");
  for (double v : {0.1 + 0.2, 1e-300, 123456.789e10, -7.0 / 3.0,
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()}) {
    double back = value_of(formatted(v));
    CAF_CHECK(back == v); // exact, not within an epsilon
  }
}

CAF_TEST(the exact fast path agrees with from_chars on every spelling) {
  // parse_value takes the fast path for these; parse_value_slow never does.
  for (const char* text : {"0",
                           "-0",
                           "1",
                           "42",
                           "123456789012345",
                           "1234567890123456",
                           "0.1",
                           "-0.000123",
                           "9.1781e-05",
                           "1.6994e+09",
                           "1e22",
                           "1e23",
                           "1e-22",
                           "1e-23",
                           "123456789012345e-22",
                           "4.9e-324",
                           "1.7976931348623157e308",
                           "5e-324",
                           "0.30000000000000004",
                           "1E5",
                           "2.5e+0",
                           "7e-0"}) {
    double fast = -1, slow = -2;
    CAF_REQUIRE(parse_value(text, fast));
    CAF_REQUIRE(parse_value_slow(text, slow));
    CAF_CHECK(fast == slow); // exact, not within an epsilon
    if (fast != slow)
      CAF_MESSAGE(text << ": " << fast << " vs " << slow);
  }
}

CAF_TEST(malformed exponents are rejected) {
  CAF_CHECK(rejects("1e"));
  CAF_CHECK(rejects("1e+"));
  CAF_CHECK(rejects("1e5.5"));
  CAF_CHECK(rejects("e5"));
  CAF_CHECK(rejects(".e5"));
  CAF_CHECK(rejects("1.5ee3"));
}
