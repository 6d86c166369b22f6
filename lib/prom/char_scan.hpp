// Character classes of the exposition formats, and the scans the parser spends
// most of its time in: over label names, metric names and label values. The
// scans look at 16 bytes at a time with SSE2 (every x86-64 CPU has it) and
// fall back to a table lookup per byte for short tails and other CPUs.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nodepulse::prom::scan {

enum char_class : unsigned char {
  metric_start = 1,   // [a-zA-Z_:]
  metric_char = 2,    // [a-zA-Z0-9_:]
  label_start = 4,    // [a-zA-Z_]
  label_char = 8,     // [a-zA-Z0-9_]
  blank = 16,         // space, tab
  value_special = 32, // '"', '\\', NUL or a non-ASCII byte inside a label value
  token_end = 64,     // blank, '\n' or '\r': where a value or timestamp ends
};

struct char_table {
  unsigned char c[256] = {};
  constexpr char_table() {
    for (int i = 0; i < 256; ++i) {
      bool alpha = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z');
      bool digit = i >= '0' && i <= '9';
      unsigned char v = 0;
      if (alpha || i == '_' || i == ':')
        v |= metric_start | metric_char;
      if (digit)
        v |= metric_char | label_char;
      if (alpha || i == '_')
        v |= label_start | label_char;
      if (i == ' ' || i == '\t')
        v |= blank;
      if (i == '"' || i == '\\' || i == 0 || i >= 0x80)
        v |= value_special;
      if (i == ' ' || i == '\t' || i == '\n' || i == '\r')
        v |= token_end;
      c[i] = v;
    }
  }
};

inline constexpr char_table table;

inline bool is(char ch, char_class cls) {
  return (table.c[static_cast<unsigned char>(ch)] & cls) != 0;
}

#if defined(__SSE2__)

inline __m128i in_range(__m128i v, char lo, char hi) {
  // Signed compares: bytes >= 0x80 are negative and never in an ASCII range.
  return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

// Bit i set where byte i is in [a-zA-Z0-9_], plus ':' when `colon`.
inline unsigned name_char_mask(__m128i v, bool colon) {
  // OR-ing 0x20 folds A-Z onto a-z and maps nothing else into a-z.
  __m128i letters = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
  __m128i ok = _mm_or_si128(letters, in_range(v, '0', '9'));
  ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
  if (colon)
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
  return static_cast<unsigned>(_mm_movemask_epi8(ok));
}

#endif

// First byte in [p, end) outside [a-zA-Z0-9_] (plus ':' when `colon`), or end.
inline const char* skip_name_chars(const char* p, const char* end, bool colon) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned stop = ~name_char_mask(v, colon) & 0xffffu;
    if (stop != 0)
      return p + __builtin_ctz(stop);
    p += 16;
  }
#endif
  const char_class cls = colon ? metric_char : label_char;
  while (p < end && is(*p, cls))
    ++p;
  return p;
}

// First '"', '\\', NUL or non-ASCII byte in [p, end), or end.
inline const char* find_value_special(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit))
                    | static_cast<unsigned>(_mm_movemask_epi8(v)); // high bits
    if (mask != 0)
      return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && !is(*p, value_special))
    ++p;
  return p;
}

} // namespace nodepulse::prom::scan

namespace nodepulse::prom::scan {

// True when the n bytes at `a` equal those at `b`. `a_avail` / `b_avail` are
// how many bytes may be read from each (at least n): with 16 bytes to spare
// the compare is one or two SSE2 loads instead of a call to memcmp.
inline bool same_bytes(const char* a, size_t a_avail, const char* b, size_t b_avail, size_t n) {
#if defined(__SSE2__)
  size_t whole = (n + 15) & ~size_t{15};
  if (a_avail >= whole && b_avail >= whole) {
    for (; n >= 16; n -= 16, a += 16, b += 16) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
      __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) != 0xffff)
        return false;
    }
    if (n == 0)
      return true;
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
    __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    unsigned differ = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)));
    return (differ & ((1u << n) - 1)) == 0;
  }
#endif
  (void)a_avail;
  (void)b_avail;
  return std::memcmp(a, b, n) == 0;
}

// A whole metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, `metric`) or label name
// ([a-zA-Z_][a-zA-Z0-9_]*), for names that arrive apart from any text.
inline bool valid_name(std::string_view s, bool metric) {
  if (s.empty() || !is(s[0], metric ? metric_start : label_start))
    return false;
  return skip_name_chars(s.data() + 1, s.data() + s.size(), metric) == s.data() + s.size();
}

} // namespace nodepulse::prom::scan
