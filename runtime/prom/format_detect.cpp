// Which exposition format a body is in: from its content type, from the
// --format name, or from the body itself.
#include "runtime/prom/parser.hpp"

namespace nodepulse::prom {

std::optional<exposition_format>
format_from_content_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t'))
    media.remove_prefix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
      if (x != b[i])
        return false;
    }
    return true;
  };
  if (iequals(media, "application/openmetrics-text"))
    return exposition_format::openmetrics;
  if (iequals(media, "text/plain"))
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

exposition_format detect_format(std::string_view content_type,
                                std::string_view body) {
  if (auto f = format_from_content_type(content_type))
    return *f;
  while (!body.empty()
         && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
    body.remove_suffix(1);
  constexpr std::string_view eof = "# EOF";
  bool ends_with_eof =
    body.size() >= eof.size()
    && body.compare(body.size() - eof.size(), eof.size(), eof) == 0
    && (body.size() == eof.size() || body[body.size() - eof.size() - 1] == '\n');
  return ends_with_eof ? exposition_format::openmetrics
                       : exposition_format::text;
}

} // namespace nodepulse::prom
