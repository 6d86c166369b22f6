#define CAF_SUITE lib.base.utc_time
#include <caf/test/unit_test.hpp>

#include "lib/base/utc_time.hpp"

#include <string>

using namespace nodepulse;

namespace {

int64_t parsed(const std::string& text) {
  int64_t ms = -1;
  std::string error;
  if (!parse_utc(text, ms, error))
    CAF_FAIL("'" << text << "' refused: " << error);
  return ms;
}

std::string refused(const std::string& text) {
  int64_t ms = 0;
  std::string error;
  CAF_CHECK(!parse_utc(text, ms, error));
  return error;
}

} // namespace

CAF_TEST(times are written in UTC with milliseconds only when there are some) {
  CAF_CHECK_EQUAL(utc_text(1764194400000), "2025-11-26T22:00:00Z");
  CAF_CHECK_EQUAL(utc_text(1764194400123), "2025-11-26T22:00:00.123Z");
  CAF_CHECK_EQUAL(utc_text(0), "1970-01-01T00:00:00Z");
}

CAF_TEST(the usual ways to write a UTC time are read) {
  CAF_CHECK_EQUAL(parsed("2025-11-26T22:00:00Z"), 1764194400000);
  CAF_CHECK_EQUAL(parsed("2025-11-26 22:00:00+00:00"), 1764194400000);
  CAF_CHECK_EQUAL(parsed("2025-11-26T22:00:00.5Z"), 1764194400500);
  CAF_CHECK_EQUAL(parsed("2025-11-26T22:00:00.123456Z"), 1764194400123);
  CAF_CHECK_EQUAL(parsed("2025-11-26"), 1764115200000);
  CAF_CHECK_EQUAL(parsed(utc_text(1764194400123)), 1764194400123);
}

CAF_TEST(anything else is refused saying what was expected) {
  CAF_CHECK_EQUAL(refused("yesterday"),
                  "expected a UTC time like 2026-11-27T22:00:00Z, got 'yesterday'");
  CAF_CHECK_EQUAL(refused("2025-11-26T22:00:00+01:00"),
                  "expected a UTC time ending in Z or +00:00, got '2025-11-26T22:00:00+01:00'");
  CAF_CHECK_EQUAL(refused("2025-13-26T22:00:00Z"), "not a valid time: '2025-13-26T22:00:00Z'");
}
