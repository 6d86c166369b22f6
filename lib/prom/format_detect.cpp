// Which exposition format a body is in: from its content type, from the
// --format name, or from the body itself.
#include "lib/prom/parser.hpp"

#include "lib/text/ascii.hpp"

namespace nodepulse::prom {

std::optional<exposition_format> format_from_content_type(std::string_view content_type) {
  auto media = text::trim(content_type.substr(0, content_type.find(';')));
  if (text::iequals(media, "application/openmetrics-text"))
    return exposition_format::openmetrics;
  if (text::iequals(media, "text/plain"))
    return exposition_format::text;
  return std::nullopt;
}

std::optional<exposition_format> format_from_name(std::string_view name) {
  if (name == "text")
    return exposition_format::text;
  if (name == "openmetrics")
    return exposition_format::openmetrics;
  return std::nullopt;
}

exposition_format detect_format(std::string_view content_type, std::string_view body) {
  if (auto f = format_from_content_type(content_type))
    return *f;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
    body.remove_suffix(1);
  constexpr std::string_view eof = "# EOF";
  bool ends_with_eof = body.size() >= eof.size()
                       && body.compare(body.size() - eof.size(), eof.size(), eof) == 0
                       && (body.size() == eof.size() || body[body.size() - eof.size() - 1] == '\n');
  return ends_with_eof ? exposition_format::openmetrics : exposition_format::text;
}

} // namespace nodepulse::prom
