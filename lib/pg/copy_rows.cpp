#include "lib/pg/copy_rows.hpp"

#include "lib/prom/jsonl_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace nodepulse::pg {

namespace {

// COPY's text format: backslash, tab, newline and carriage return escaped.
void append_copy_text(std::string_view s, std::string& out) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

void append_value(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v); // shortest exact
    out.append(buf, res.ptr);
  }
}

// "2026-11-26 22:00:00.123+00": UTC with milliseconds.
void append_timestamp(int64_t ms, std::string& out) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  out.append(buf, static_cast<size_t>(n));
}

// The family's UNIT; without one (text format 0.0.4 has none), the base
// unit its name ends in by Prometheus' naming rules (node_cpu_seconds_total
// -> seconds); "" when neither says.
std::string_view unit_of(const prom::family& fam) {
  if (fam.has_unit && !fam.unit.empty())
    return fam.unit;
  std::string_view name = fam.name;
  constexpr std::string_view total = "_total";
  if (name.size() > total.size() && name.substr(name.size() - total.size()) == total)
    name.remove_suffix(total.size());
  for (std::string_view unit : {"seconds", "bytes", "celsius", "ratio", "volts", "amperes",
                                "joules", "grams", "meters", "hertz", "watts", "percent"}) {
    if (name.size() > unit.size() + 1 && name.substr(name.size() - unit.size()) == unit
        && name[name.size() - unit.size() - 1] == '_')
      return unit;
  }
  return {};
}

} // namespace

copy_stats append_copy_rows(const prom::sample_batch& batch, std::string_view server_id,
                            int64_t keep_from_ms, std::string& out) {
  copy_stats stats;
  std::string json; // one sample's labels, before COPY escaping
  for (const auto& s : batch.samples) {
    if (s.timestamp_ms < keep_from_ms) {
      ++stats.too_old;
      continue;
    }
    const auto& fam = batch.family_of(s);
    out += server_id;
    out += '\t';
    append_copy_text(s.name, out);
    out += '\t';
    out += prom::to_string(fam.type);
    out += '\t';
    json.clear();
    json += '{';
    bool first = true;
    for (const auto& l : batch.labels_of(s.labels)) {
      if (!first)
        json += ',';
      first = false;
      prom::append_json_string(l.name, json);
      json += ':';
      prom::append_json_string(l.value, json);
    }
    json += '}';
    append_copy_text(json, out);
    out += '\t';
    append_value(s.value, out);
    out += '\t';
    append_timestamp(s.timestamp_ms, out);
    out += '\t';
    if (fam.has_help)
      append_copy_text(fam.help, out);
    else
      out += "\\N";
    out += '\t';
    if (auto unit = unit_of(fam); !unit.empty())
      append_copy_text(unit, out);
    else
      out += "\\N";
    out += '\n';
    ++stats.rows;
  }
  return stats;
}

} // namespace nodepulse::pg
