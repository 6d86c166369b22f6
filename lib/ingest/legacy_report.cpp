#include "lib/ingest/legacy_report.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace nodepulse::ingest {

namespace {

using json = nlohmann::json;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no time zone database is involved.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// The family for one legacy field; help texts say where the value came from.
struct legacy_metric {
  const char* section;
  const char* field;
  const char* name;
  const char* help;
  double scale;
};

constexpr legacy_metric metrics[] = {
  {"cpu", "usage_percent", "nodepulse_cpu_usage_percent",
   "CPU usage in percent, as reported by the legacy agent.", 1},
  {"memory", "used_mb", "nodepulse_memory_used_bytes",
   "Memory in use in bytes (legacy memory.used_mb x 1048576).", 1048576},
  {"memory", "total_mb", "nodepulse_memory_total_bytes",
   "Total memory in bytes (legacy memory.total_mb x 1048576).", 1048576},
  {"memory", "usage_percent", "nodepulse_memory_usage_percent",
   "Memory usage in percent, as reported by the legacy agent.", 1},
  {"network", "upload_bytes", "nodepulse_network_upload_bytes",
   "Bytes sent since the previous legacy report.", 1},
  {"network", "download_bytes", "nodepulse_network_download_bytes",
   "Bytes received since the previous legacy report.", 1},
  {"uptime", "days", "nodepulse_uptime_days", "Uptime in days, as reported by the legacy agent.",
   1},
};

constexpr const char* info_labels[] = {"hostname",       "kernel",       "kernel_version", "distro",
                                       "distro_version", "architecture", "cpu_cores"};

class report_mapper {
public:
  report_mapper(prom::sample_batch& out, int64_t timestamp_ms)
    : out_(out), timestamp_ms_(timestamp_ms) {}

  void add(std::string_view name, std::string_view help, double value,
           const std::vector<std::pair<std::string, std::string>>& labels) {
    prom::family f;
    f.name = name;
    f.type = prom::metric_type::gauge;
    f.has_type = true;
    f.help = help;
    f.has_help = true;
    f.sample_count = 1;
    out_.families.push_back(f);
    prom::sample s;
    s.name = name;
    s.family = static_cast<uint32_t>(out_.families.size() - 1);
    s.labels = {static_cast<uint32_t>(out_.labels.size()), static_cast<uint32_t>(labels.size())};
    for (const auto& [k, v] : labels)
      out_.labels.push_back({out_.arena.copy(k), out_.arena.copy(v)});
    s.value = value;
    s.has_timestamp = true;
    s.timestamp_ms = timestamp_ms_;
    out_.samples.push_back(s);
  }

private:
  prom::sample_batch& out_;
  int64_t timestamp_ms_;
};

std::string type_name(const json& v) {
  return v.type_name();
}

// A report is a handful of fields two levels deep. Deeper nesting is
// refused before the DOM is built: `[` x 64 Mi would make it take GBs.
constexpr int max_json_depth = 8;

std::string nesting_problem(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  uint32_t line = 1, column = 0;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
    }
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '[' || c == '{') && ++depth > max_json_depth) {
      return "invalid JSON: nested deeper than " + std::to_string(max_json_depth)
             + " levels at line " + std::to_string(line) + ", column " + std::to_string(column);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return "";
}

} // namespace

std::optional<int64_t> parse_rfc3339_ms(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month)
      || s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
      || !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':'
      || !digits(s, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t first = ++pos;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos)
      if (pos - first < 3)
        millis = millis * 10 + (s[pos] - '0');
    if (pos == first)
      return std::nullopt;
    for (size_t n = pos - first; n < 3; ++n)
      millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':'
        || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::string parse_legacy_report(std::string_view text, int64_t received_at_ms,
                                prom::sample_batch& out, legacy_report& report) {
  out.clear();
  if (text.size() > max_legacy_report_bytes)
    return "the report is " + std::to_string(text.size()) + " bytes; at most "
           + std::to_string(max_legacy_report_bytes) + " are accepted";
  if (auto problem = nesting_problem(text); !problem.empty())
    return problem;
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 33: ...",
    // or out_of_range.406 for a number too large for a double.
    std::string what = e.what();
    auto msg = what.find("] ");
    return "invalid JSON: " + (msg == std::string::npos ? what : what.substr(msg + 2));
  }
  if (!doc.is_object())
    return "the report must be a JSON object, got " + type_name(doc);

  auto id = doc.find("server_id");
  if (id == doc.end())
    return "missing field 'server_id'";
  if (!id->is_string())
    return "field 'server_id' must be a string, got " + type_name(*id);
  report.server_id = id->get<std::string>();

  report.timestamp_ms = received_at_ms;
  if (auto ts = doc.find("timestamp"); ts != doc.end() && !ts->is_null()) {
    if (!ts->is_string())
      return "field 'timestamp' must be an RFC 3339 string, got " + type_name(*ts);
    auto ms = parse_rfc3339_ms(ts->get_ref<const std::string&>());
    if (!ms)
      return "field 'timestamp' is not an RFC 3339 time: '" + ts->get<std::string>() + "'";
    report.timestamp_ms = *ms;
  }

  report_mapper map{out, report.timestamp_ms};
  for (const auto& m : metrics) {
    auto section = doc.find(m.section);
    if (section == doc.end() || section->is_null())
      continue;
    if (!section->is_object())
      return std::string{"field '"} + m.section + "' must be an object, got " + type_name(*section);
    auto field = section->find(m.field);
    if (field == section->end() || field->is_null())
      continue;
    if (!field->is_number())
      return std::string{"field '"} + m.section + "." + m.field + "' must be a number, got "
             + type_name(*field);
    map.add(m.name, m.help, field->get<double>() * m.scale, {});
  }

  // System facts as labels of one info-style gauge, the Prometheus way.
  std::vector<std::pair<std::string, std::string>> labels;
  auto info = doc.find("system_info");
  if (info != doc.end() && !info->is_null() && !info->is_object())
    return "field 'system_info' must be an object, got " + type_name(*info);
  for (const char* key : info_labels) {
    const json* v = nullptr;
    if (info != doc.end() && info->is_object() && info->contains(key))
      v = &(*info)[key];
    else if (std::string_view{key} == "hostname" && doc.contains("hostname"))
      v = &doc["hostname"];
    if (v == nullptr || v->is_null())
      continue;
    if (v->is_string()) {
      const auto& s = v->get_ref<const std::string&>();
      if (s.find('\0') != std::string::npos)
        return std::string{"field 'system_info."} + key
               + "' holds a NUL character, which cannot be stored";
      if (s.size() > max_legacy_label_bytes)
        return std::string{"field 'system_info."} + key + "' is longer than "
               + std::to_string(max_legacy_label_bytes) + " bytes";
      labels.emplace_back(key, s);
    } else if (v->is_number_integer())
      labels.emplace_back(key, std::to_string(v->get<int64_t>()));
    else
      return std::string{"field 'system_info."} + key + "' must be a string or an integer, got "
             + type_name(*v);
  }
  if (!labels.empty())
    map.add("nodepulse_system_info", "Facts about the server from the legacy agent; always 1.", 1,
            labels);
  if (out.samples.empty())
    return "the report holds no metrics (cpu, memory, network, uptime or "
           "system_info)";
  return "";
}

} // namespace nodepulse::ingest
