// ASCII helpers for protocol text (header values, media types, keywords),
// where case-insensitive means ASCII case only.
#pragma once

#include <string_view>

namespace nodepulse::text {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// True when `s` equals `lower` ignoring ASCII case; `lower` is lowercase.
inline bool iequals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size())
    return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (ascii_lower(s[i]) != lower[i])
      return false;
  return true;
}

// True when `s` starts with `lower` ignoring ASCII case.
inline bool istarts_with(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() && iequals(s.substr(0, lower.size()), lower);
}

// `s` without the optional whitespace HTTP allows around a value or a list
// element (RFC 9110 5.6.3): spaces and tabs only.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// `s` without leading and trailing spaces, tabs, carriage returns and
// newlines.
inline std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

} // namespace nodepulse::text
