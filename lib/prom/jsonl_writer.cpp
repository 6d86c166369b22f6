#include "lib/prom/jsonl_writer.hpp"

#include "lib/prom/number.hpp"

#include <cmath>

namespace nodepulse::prom {

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        } else {
          out += c; // the parser has checked UTF-8
        }
    }
  }
  out += '"';
}

void append_jsonl_sample(const sample_batch& batch, const sample& s, std::string& out) {
  out += "{\"name\":";
  append_json_string(s.name, out);
  out += ",\"type\":";
  append_json_string(to_string(batch.family_of(s).type), out);
  out += ",\"labels\":{";
  bool first = true;
  for (const label& l : batch.labels_of(s.labels)) {
    if (!first)
      out += ',';
    first = false;
    append_json_string(l.name, out);
    out += ':';
    append_json_string(l.value, out);
  }
  out += "},\"value\":";
  char buf[value_buffer_size];
  size_t n = format_value(s.value, buf);
  if (std::isfinite(s.value)) {
    out.append(buf, n);
  } else {
    out += '"';
    out.append(buf, n);
    out += '"';
  }
  out += ",\"timestamp_ms\":";
  if (s.has_timestamp)
    out += std::to_string(s.timestamp_ms);
  else
    out += "null";
  out += "}\n";
}

} // namespace nodepulse::prom
