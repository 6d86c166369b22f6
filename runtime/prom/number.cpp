#include "runtime/prom/number.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace nodepulse::prom {

bool parse_value(std::string_view token, double& out) {
  const char* first = token.data();
  const char* last = first + token.size();
  // from_chars takes '-' but not '+'; "+-1" must stay an error.
  if (first != last && *first == '+') {
    ++first;
    if (first != last && *first == '-')
      return false;
  }
  if (first == last)
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
    out = tiny ? (negative ? -0.0 : 0.0)
               : (negative ? -HUGE_VAL : HUGE_VAL);
    return true;
  }
  return ec == std::errc{};
}

bool parse_int64(std::string_view token, int64_t& out) {
  const char* first = token.data();
  const char* last = first + token.size();
  if (first != last && *first == '+') {
    ++first;
    if (first != last && *first == '-')
      return false;
  }
  if (first == last)
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
