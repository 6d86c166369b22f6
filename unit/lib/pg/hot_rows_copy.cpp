#define CAF_SUITE lib.pg.hot_rows_copy
#include <caf/test/unit_test.hpp>

#include "lib/pg/hot_rows_copy.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

using namespace nodepulse;

namespace {

uint64_t read_be(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<size_t>(i)]);
  return v;
}

} // namespace

CAF_TEST(the header and trailer are what PostgreSQL expects) {
  std::string out;
  pg::append_binary_copy_header(out);
  CAF_CHECK_EQUAL(out.size(), 19u);
  CAF_CHECK(out.compare(0, 11, std::string{"PGCOPY\n\xff\r\n\0", 11}) == 0);
  CAF_CHECK_EQUAL(read_be(out, 11, 8), 0u); // flags and extension length
  out.clear();
  pg::append_binary_copy_trailer(out);
  CAF_CHECK_EQUAL(out, std::string("\xff\xff", 2));
}

CAF_TEST(a row is three 8 - byte fields in network order) {
  std::string out;
  // 2000-01-01 00:00:01.5 UTC: 1.5 s after PostgreSQL's epoch.
  digest::hot_row row{0x0102030405060708, 946'684'801'500, 2.5};
  pg::append_hot_rows(&row, 1, out);
  CAF_REQUIRE_EQUAL(out.size(), 38u);
  CAF_CHECK_EQUAL(read_be(out, 0, 2), 3u);
  CAF_CHECK_EQUAL(read_be(out, 2, 4), 8u);
  CAF_CHECK_EQUAL(read_be(out, 6, 8), 0x0102030405060708u);
  CAF_CHECK_EQUAL(read_be(out, 14, 4), 8u);
  CAF_CHECK_EQUAL(read_be(out, 18, 8), 1'500'000u); // microseconds
  CAF_CHECK_EQUAL(read_be(out, 26, 4), 8u);
  double v;
  uint64_t bits = read_be(out, 30, 8);
  std::memcpy(&v, &bits, sizeof v);
  CAF_CHECK_EQUAL(v, 2.5);
}

CAF_TEST(a stale marker keeps its bits and times before 2000 go negative) {
  const uint64_t stale_bits = 0x7ff0000000000002; // Prometheus' staleness NaN
  double stale;
  std::memcpy(&stale, &stale_bits, sizeof stale);
  std::string out;
  digest::hot_row row{1, 0, stale};
  pg::append_hot_rows(&row, 1, out);
  CAF_CHECK_EQUAL(read_be(out, 30, 8), stale_bits);
  CAF_CHECK_EQUAL(static_cast<int64_t>(read_be(out, 18, 8)), -946'684'800'000'000);
}
