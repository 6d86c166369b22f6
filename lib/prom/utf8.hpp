// UTF-8 validation for label values and help texts (Prometheus requires
// valid UTF-8 there; storing invalid bytes would break JSON and PostgreSQL).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace nodepulse::prom {

// Rejects overlong forms, surrogates and code points above U+10FFFF.
inline bool valid_utf8(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Help texts and label values are nearly always ASCII: skip eight bytes
    // at a time while no byte has its high bit set.
    uint64_t word;
    while (i + 8 <= n && (std::memcpy(&word, s.data() + i, 8), (word & 0x8080808080808080ull) == 0))
      i += 8;
    if (i >= n)
      break;
    unsigned char c = b(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0)
        lo = 0xA0;
      if (c == 0xED)
        hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0)
        lo = 0x90;
      if (c == 0xF4)
        hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n || b(i + 1) < lo || b(i + 1) > hi)
      return false;
    for (size_t k = 2; k < len; ++k)
      if (b(i + k) < 0x80 || b(i + k) > 0xBF)
        return false;
    i += len;
  }
  return true;
}

} // namespace nodepulse::prom
