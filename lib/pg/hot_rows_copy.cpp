#include "lib/pg/hot_rows_copy.hpp"

#include <cstdint>
#include <cstring>

namespace nodepulse::pg {

namespace {

// PostgreSQL's epoch for timestamps, 2000-01-01 UTC, in ms since 1970.
constexpr int64_t postgres_epoch_ms = 946'684'800'000;

void append_be(uint64_t v, int bytes, std::string& out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

} // namespace

void append_binary_copy_header(std::string& out) {
  out.append("PGCOPY\n\xff\r\n\0", 11);
  append_be(0, 4, out); // flags: no OIDs
  append_be(0, 4, out); // no header extension
}

void append_hot_rows(const digest::hot_row* rows, size_t count, std::string& out) {
  out.reserve(out.size() + count * 38);
  for (const auto* r = rows; r != rows + count; ++r) {
    append_be(3, 2, out); // fields
    append_be(8, 4, out);
    append_be(static_cast<uint64_t>(r->series_id), 8, out);
    append_be(8, 4, out); // microseconds since 2000-01-01 UTC
    append_be(static_cast<uint64_t>((r->timestamp_ms - postgres_epoch_ms) * 1000), 8, out);
    uint64_t bits;
    std::memcpy(&bits, &r->value, sizeof bits);
    append_be(8, 4, out);
    append_be(bits, 8, out);
  }
}

void append_binary_copy_trailer(std::string& out) {
  append_be(0xffff, 2, out);
}

} // namespace nodepulse::pg
