#include "lib/digest/series_cache.hpp"

#include <string_view>

namespace nodepulse::digest {

namespace {

// Each field with its length in front, so no field's content can make two
// different keys the same text.
void append_field(std::string_view s, std::string& out) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

void append_optional(const std::optional<std::string>& s, std::string& out) {
  if (s)
    append_field(*s, out);
  else
    out += '-';
}

} // namespace

std::string series_cache::metric_key_text(const metric_key& m) {
  std::string out;
  out.reserve(m.name.size() + m.type.size() + 24 + (m.help ? m.help->size() : 0));
  append_field(m.name, out);
  append_field(m.type, out);
  append_optional(m.unit, out);
  append_optional(m.help, out);
  return out;
}

std::string series_cache::series_key_text(const series_key& s) {
  std::string out;
  out.reserve(s.server_id.size() + 24 + s.labels_json.size());
  append_field(s.server_id, out);
  out += std::to_string(s.metric_id);
  out += ':';
  out += s.labels_json; // the last field: it needs no length
  return out;
}

} // namespace nodepulse::digest
