#include "lib/http/agent_drops.hpp"

#include "lib/text/ascii.hpp"

#include <charconv>

namespace nodepulse::http {

namespace {

uint64_t* field(agent_drops& d, std::string_view name) {
  if (name == "through")
    return &d.through;
  if (name == "retention")
    return &d.retention;
  if (name == "size")
    return &d.size;
  if (name == "torn")
    return &d.torn;
  if (name == "corrupt")
    return &d.corrupt;
  if (name == "refused")
    return &d.refused;
  return nullptr;
}

} // namespace

std::string format_agent_drops(const agent_drops& d) {
  return "through=" + std::to_string(d.through) + ",retention=" + std::to_string(d.retention)
         + ",size=" + std::to_string(d.size) + ",torn=" + std::to_string(d.torn)
         + ",corrupt=" + std::to_string(d.corrupt) + ",refused=" + std::to_string(d.refused);
}

bool parse_agent_drops(std::string_view header, agent_drops& out, std::string& error) {
  agent_drops d;
  size_t at = 0;
  while (at <= header.size()) {
    auto comma = header.find(',', at);
    auto end = comma == std::string_view::npos ? header.size() : comma;
    auto pair = text::trim_ows(header.substr(at, end - at));
    auto where = " at character " + std::to_string(at + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      error = "expected name=number" + where;
      return false;
    }
    auto name = text::trim_ows(pair.substr(0, eq));
    auto number = text::trim_ows(pair.substr(eq + 1));
    uint64_t value = 0;
    auto [rest, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc{} || rest != number.data() + number.size()) {
      error = "the value of " + std::string{name} + where
              + " is not a number from 0 to 18446744073709551615";
      return false;
    }
    if (auto* f = field(d, name))
      *f = value;
    if (comma == std::string_view::npos)
      break;
    at = comma + 1;
  }
  out = d;
  return true;
}

} // namespace nodepulse::http
