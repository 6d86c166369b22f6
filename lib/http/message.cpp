#include "lib/http/message.hpp"

namespace nodepulse::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& text, size_t first, size_t last) {
  std::string out;
  out.reserve(last - first);
  for (size_t i = first; i < last; ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < last && hex_value(text[i + 1]) >= 0
               && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::string query_param(const std::string& query, const std::string& key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string::npos)
      end = query.size();
    size_t eq = query.find('=', pos);
    size_t name_end = (eq == std::string::npos || eq > end) ? end : eq;
    if (name_end - pos == key.size() && query.compare(pos, key.size(), key) == 0)
      return name_end == end ? std::string{} : percent_decode(query, name_end + 1, end);
    pos = end + 1;
  }
  return {};
}

} // namespace nodepulse::http
