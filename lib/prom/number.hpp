// Sample values and timestamps as the exposition formats spell them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nodepulse::prom {

// The common spelling `[-]digits[.digits][e[+-]digits]` with at most 15
// digits and a decimal exponent within +-22, exactly (Clinger's fast path);
// false means "not that spelling", not "invalid".
bool parse_plain_decimal(const char* first, const char* last, double& out);

// Every other spelling parse_value accepts.
bool parse_value_slow(std::string_view token, double& out);

// A float as Go's strconv.ParseFloat reads it (what Prometheus uses): optional
// sign, decimal or exponent notation, and Inf / Infinity / NaN in any case.
inline bool parse_value(std::string_view token, double& out) {
  return parse_plain_decimal(token.data(), token.data() + token.size(), out)
         || parse_value_slow(token, out);
}

// A signed 64-bit decimal integer, nothing else.
bool parse_int64(std::string_view token, int64_t& out);

// Enough room for any value format_value writes.
inline constexpr size_t value_buffer_size = 32;

// Writes `NaN`, `+Inf`, `-Inf`, or the shortest decimal that reads back as
// exactly `v`; returns the length. `buf` needs value_buffer_size bytes.
size_t format_value(double v, char* buf);

} // namespace nodepulse::prom
