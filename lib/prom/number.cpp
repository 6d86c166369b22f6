#include "lib/prom/number.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace nodepulse::prom {

// Clinger's fast path: with at most 15 significant digits the mantissa is
// exact in a double, and so is 10^k for k <= 22, so one multiplication or
// division gives the correctly rounded result.
bool parse_plain_decimal(const char* p, const char* last, double& out) {
  static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  bool negative = p != last && *p == '-';
  if (negative)
    ++p;
  uint64_t mantissa = 0;
  const char* digits_start = p;
  for (unsigned d; p != last && (d = static_cast<unsigned>(*p - '0')) < 10; ++p)
    mantissa = mantissa * 10 + d;
  int digits = static_cast<int>(p - digits_start);
  int exponent = 0;
  if (p != last && *p == '.') {
    const char* fraction_start = ++p;
    for (unsigned d; p != last && (d = static_cast<unsigned>(*p - '0')) < 10; ++p)
      mantissa = mantissa * 10 + d;
    digits += static_cast<int>(p - fraction_start);
    exponent = -static_cast<int>(p - fraction_start);
  }
  if (digits == 0 || digits > 15)
    return false;
  if (p != last && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative_exponent = p != last && *p == '-';
    if (p != last && (*p == '-' || *p == '+'))
      ++p;
    const char* exponent_start = p;
    int e = 0;
    for (unsigned d; p != last && (d = static_cast<unsigned>(*p - '0')) < 10; ++p)
      if (e < 1000)
        e = e * 10 + static_cast<int>(d);
    if (p == exponent_start)
      return false;
    exponent += negative_exponent ? -e : e;
  }
  if (p != last || exponent < -22 || exponent > 22)
    return false;
  double v = static_cast<double>(mantissa);
  v = exponent < 0 ? v / pow10[-exponent] : v * pow10[exponent];
  out = negative ? -v : v;
  return true;
}

namespace {

// from_chars takes '-' but not '+': skip a leading '+', and say whether what
// is left may be a number ("+" and "+-1" may not).
bool skip_plus(const char*& first, const char* last) {
  if (first != last && *first == '+') {
    ++first;
    if (first != last && *first == '-')
      return false;
  }
  return first != last;
}

} // namespace

bool parse_value_slow(std::string_view token, double& out) {
  const char* first = token.data();
  const char* last = first + token.size();
  if (!skip_plus(first, last))
    return false;
  auto [ptr, ec] = std::from_chars(first, last, out);
  if (ptr != last)
    return false;
  // Out-of-range literals ("1e999") are ±Inf or 0 for Go; from_chars reports
  // them as errors, so redo those by hand.
  if (ec == std::errc::result_out_of_range) {
    bool negative = *first == '-';
    // Mantissa all zeros -> 0, otherwise decide by the exponent's sign.
    const char* e = first;
    while (e != last && *e != 'e' && *e != 'E')
      ++e;
    bool tiny = e != last && e + 1 != last && e[1] == '-';
    out = tiny ? (negative ? -0.0 : 0.0) : (negative ? -HUGE_VAL : HUGE_VAL);
    return true;
  }
  return ec == std::errc{};
}

bool parse_int64(std::string_view token, int64_t& out) {
  const char* first = token.data();
  const char* last = first + token.size();
  if (!skip_plus(first, last))
    return false;
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc{} && ptr == last;
}

size_t format_value(double v, char* buf) {
  if (std::isnan(v)) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  auto res = std::to_chars(buf, buf + value_buffer_size, v);
  return static_cast<size_t>(res.ptr - buf);
}

} // namespace nodepulse::prom
