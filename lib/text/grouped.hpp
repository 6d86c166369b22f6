// Numbers for people reading progress lines: 1234567 -> "1,234,567".
#pragma once

#include <cstdint>
#include <string>

namespace nodepulse::text {

inline std::string grouped(int64_t n) {
  auto digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace nodepulse::text
