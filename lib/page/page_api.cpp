#include "lib/page/page_api.hpp"

#include "lib/text/uuid.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace nodepulse::page {

namespace {

using json = nlohmann::json;

// A plot: which query of sql/queries/ draws it, the column that splits its
// rows into series (network device), and the figures it plots; or, with
// `column_figure`, a series per figure column (a CPU mode), each plotting
// its values as that figure (a column that is NULL throughout is left out).
struct panel {
  const char* name;
  const char* query;
  const char* key; // nullptr: one series
  std::vector<const char*> figures;
  const char* column_figure = nullptr;
};

const std::vector<panel>& panels() {
  static const std::vector<panel> all{
    {"cpu", "cpu_usage_percent", nullptr, {"cpu_usage_percent"}},
    {"cpu_modes",
     "cpu_mode_percent",
     nullptr,
     {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "other"},
     "cpu_percent"},
    {"memory", "memory", nullptr, {"memory_total_mb", "memory_used_mb"}},
    {"filesystem",
     "root_filesystem",
     nullptr,
     {"disk_total_gb", "disk_used_gb", "disk_df_used_gb"}},
    {"network",
     "network_interfaces",
     "device",
     {"receive_bytes_per_second", "transmit_bytes_per_second"}},
    {"load", "load", nullptr, {"load1", "load5", "load15"}},
    {"uptime", "uptime", nullptr, {"uptime_days"}},
  };
  return all;
}

http::reply error_reply(int status, const std::string& text) {
  http::reply r;
  r.status = status;
  r.body = json{{"status", "error"}, {"error", text}}.dump() + "\n";
  if (status == 503)
    r.retry_after_s = 1;
  return r;
}

http::reply ok_reply(const json& body) {
  http::reply r;
  r.status = 200;
  r.body = body.dump() + "\n";
  return r;
}

// An outcome that is not ok as a reply: 400 for a limit, 503 for the database.
http::reply failure(const pg::read_outcome& outcome, const std::string& what) {
  if (outcome.kind == pg::read_outcome::over_limit)
    return error_reply(400, what + ": " + outcome.error);
  return error_reply(503, what + ": " + outcome.error);
}

json number(const std::optional<std::string>& text) {
  if (!text)
    return nullptr;
  double v = std::strtod(text->c_str(), nullptr);
  return std::isfinite(v) ? json(v) : json(nullptr);
}

// One series per figure of `one` (a panel's single series) that has a value.
json columns_as_series(const json& one, const panel& p) {
  json series = json::array();
  for (const char* figure : p.figures) {
    if (!one.contains(figure))
      continue;
    const auto& values = one[figure];
    if (std::all_of(values.begin(), values.end(), [](const json& v) { return v.is_null(); }))
      continue;
    series.push_back({{"name", figure}, {"t_ms", one["t_ms"]}, {p.column_figure, values}});
  }
  return series;
}

size_t column(const pg::text_table& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name)
      return i;
  return t.columns.size(); // not there: reads as NULL below
}

std::optional<std::string> cell(const pg::text_table& t, size_t row, size_t col) {
  return col < t.columns.size() ? t.rows[row][col] : std::nullopt;
}

// "90s", "15m", "24h", "7d" (or plain seconds) as milliseconds; 0 if not one.
int64_t duration_ms(const std::string& text) {
  if (text.empty() || text.size() > 12)
    return 0;
  char* end = nullptr;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (n <= 0 || end == text.c_str())
    return 0;
  std::string unit{end};
  int64_t scale = unit.empty() || unit == "s" ? 1'000
                  : unit == "m"               ? 60'000
                  : unit == "h"               ? 3'600'000
                  : unit == "d"               ? 86'400'000
                                              : 0;
  return n > (int64_t{1} << 40) / 1000 ? 0 : n * scale;
}

std::string interval(int64_t ms) {
  return std::to_string(ms) + " milliseconds";
}

http::reply fleet(const query_port& run, const api_limits& limits) {
  auto sql = "SELECT q.server_id, q.hostname, "
             "(extract(epoch FROM q.last_push) * 1000)::bigint AS last_push_ms, "
             "q.last_push > now() - $1::interval AS up, q.cpu_usage_percent, "
             "q.memory_used_percent, q.root_disk_used_percent, q.load1, q.uptime_days FROM ("
             + as_statement(page_queries().at("fleet"), {"fresh"}) + ") q";
  pg::text_table t;
  constexpr size_t max_servers = 100'000;
  auto outcome = run(sql, {interval(limits.down_after_ms)}, max_servers, t);
  if (outcome.kind != pg::read_outcome::ok)
    return failure(outcome, "the fleet (sql/queries/fleet.sql)");
  json servers = json::array();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    json s{{"server_id", row[0].value_or("")},
           {"hostname", row[1] ? json(*row[1]) : json(nullptr)},
           {"last_push_ms", number(row[2])},
           {"up", row[3] && *row[3] == "t"}};
    for (const char* figure : {"cpu_usage_percent", "memory_used_percent", "root_disk_used_percent",
                               "load1", "uptime_days"})
      s[figure] = number(cell(t, r, column(t, figure)));
    servers.push_back(std::move(s));
  }
  return ok_reply({{"status", "success"},
                   {"down_after_seconds", static_cast<double>(limits.down_after_ms) / 1000},
                   {"servers", std::move(servers)}});
}

http::reply pipeline(const query_port& run, const api_limits& limits) {
  constexpr int64_t window_ms = 300'000;
  auto sql = as_statement(page_queries().at("pipeline"), {"window", "fresh"});
  pg::text_table t;
  auto outcome = run(sql, {interval(window_ms), interval(limits.down_after_ms)}, 1'000, t);
  if (outcome.kind != pg::read_outcome::ok)
    return failure(outcome, "the pipeline (sql/queries/pipeline.sql)");
  json metrics = json::object();
  for (const auto& row : t.rows)
    metrics[row[0].value_or("")] = {{"value", number(row[1])}, {"per_second", number(row[2])}};
  return ok_reply(
    {{"status", "success"}, {"window_seconds", window_ms / 1000}, {"metrics", std::move(metrics)}});
}

// The server's row of admiral.servers; a reply when it is not there.
std::optional<http::reply> find_server(const query_port& run, const std::string& id,
                                       const api_limits& limits, json& out) {
  if (!text::valid_uuid(id))
    return error_reply(400, "server id '" + id.substr(0, 64) + "' is not a UUID");
  pg::text_table t;
  auto outcome = run("SELECT id, hostname, (extract(epoch FROM first_seen) * 1000)::bigint, "
                     "(extract(epoch FROM last_seen) * 1000)::bigint, "
                     "last_seen > now() - $2::interval FROM admiral.servers WHERE id = $1::uuid",
                     {id, interval(limits.down_after_ms)}, 1, t);
  if (outcome.kind != pg::read_outcome::ok)
    return failure(outcome, "the server");
  if (t.rows.empty())
    return error_reply(404, "no server " + id + " has pushed (admiral.servers)");
  const auto& row = t.rows[0];
  out = {{"server_id", row[0].value_or("")},
         {"hostname", row[1] ? json(*row[1]) : json(nullptr)},
         {"first_push_ms", number(row[2])},
         {"last_push_ms", number(row[3])},
         {"up", row[4] && *row[4] == "t"}};
  return std::nullopt;
}

http::reply plot(const query_port& run, const std::string& id, const panel& p,
                 const std::string& query, const api_limits& limits) {
  auto range_text = http::query_param(query, "range");
  int64_t range_ms = range_text.empty() ? 3'600'000 : duration_ms(range_text);
  if (range_ms == 0)
    return error_reply(400, "range '" + range_text.substr(0, 32)
                              + "' is not a duration (like 1h, 24h, 7d)");
  if (range_ms < 60'000 || range_ms > limits.max_range_ms)
    return error_reply(400, "range " + range_text + " is outside 1m .. query.max_range ("
                              + std::to_string(limits.max_range_ms / 1000) + " s)");
  auto points_text = http::query_param(query, "points");
  int64_t points = limits.default_points;
  if (!points_text.empty()) {
    char* end = nullptr;
    points = std::strtoll(points_text.c_str(), &end, 10);
    if (end == points_text.c_str() || *end != '\0' || points < 1 || points > limits.max_points)
      return error_reply(400, "points '" + points_text.substr(0, 32) + "' is outside 1 .. "
                                + std::to_string(limits.max_points) + " (query.page.max_points)");
  }
  json server;
  if (auto missing = find_server(run, id, limits, server))
    return *missing;
  // Buckets of a whole number of milliseconds, at least one second.
  int64_t step_ms = std::max<int64_t>(1'000, (range_ms + points - 1) / points);
  std::string key = p.key != nullptr ? std::string{"q."} + p.key : "";
  std::string sql = "SELECT (extract(epoch FROM max(q.timestamp)) * 1000)::bigint AS t_ms";
  if (!key.empty())
    sql += ", " + key + "::text AS series";
  for (const char* figure : p.figures)
    sql += std::string{", avg(q."} + figure + ")::float8 AS " + figure;
  sql += " FROM (" + as_statement(page_queries().at(p.query), {"server_id", "window"})
         + ") q GROUP BY date_bin($3::bigint * interval '1 millisecond', q.timestamp, 'epoch')";
  if (!key.empty())
    sql += ", " + key + " ORDER BY 2, 1";
  else
    sql += " ORDER BY 1";
  pg::text_table t;
  size_t max_rows = static_cast<size_t>(points + 2) * limits.max_series;
  auto outcome = run(sql, {id, interval(range_ms), std::to_string(step_ms)}, max_rows, t);
  if (outcome.kind != pg::read_outcome::ok)
    return failure(outcome,
                   std::string{"the "} + p.name + " plot (sql/queries/" + p.query + ".sql)");
  // Rows ordered by series, then time: one JSON series per run of rows.
  json series = json::array();
  std::set<std::string> names;
  size_t first_figure = p.key != nullptr ? 2 : 1;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    std::string name = p.key != nullptr ? t.rows[r][1].value_or("") : p.name;
    if (series.empty() || series.back()["name"] != name) {
      if (!names.insert(name).second || names.size() > limits.max_series)
        return error_reply(400, std::string{"the "} + p.name + " plot has more than "
                                  + std::to_string(limits.max_series) + " series");
      json s{{"name", name}, {"t_ms", json::array()}};
      for (const char* figure : p.figures)
        s[figure] = json::array();
      series.push_back(std::move(s));
    }
    auto& s = series.back();
    s["t_ms"].push_back(number(t.rows[r][0]));
    for (size_t f = 0; f < p.figures.size(); ++f)
      s[p.figures[f]].push_back(number(t.rows[r][first_figure + f]));
  }
  if (p.column_figure != nullptr)
    series = columns_as_series(series.empty() ? json::object() : series[0], p);
  json figures = json::array();
  if (p.column_figure != nullptr)
    figures.push_back(p.column_figure);
  else
    for (const char* figure : p.figures)
      figures.push_back(figure);
  return ok_reply({{"status", "success"},
                   {"server", std::move(server)},
                   {"panel", p.name},
                   {"query", std::string{"sql/queries/"} + p.query + ".sql"},
                   {"range_seconds", range_ms / 1000},
                   {"step_seconds", static_cast<double>(step_ms) / 1000},
                   {"figures", std::move(figures)},
                   {"series", std::move(series)}});
}

} // namespace

std::string as_statement(const std::string& text, const std::vector<std::string>& variables) {
  std::string out = text;
  for (size_t i = 0; i < variables.size(); ++i) {
    std::string from = ":'" + variables[i] + "'";
    std::string to = "$" + std::to_string(i + 1);
    if (variables[i] == "server_id")
      to += "::uuid";
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
      out.replace(at, from.size(), to);
  }
  while (!out.empty() && (out.back() == ';' || out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

http::reply answer_api(const std::string& path, const std::string& query, const query_port& run,
                       const api_limits& limits) {
  if (path == "/api/fleet")
    return fleet(run, limits);
  if (path == "/api/pipeline")
    return pipeline(run, limits);
  const std::string servers = "/api/servers/";
  if (path.rfind(servers, 0) == 0) {
    auto rest = path.substr(servers.size());
    auto slash = rest.find('/');
    auto id = rest.substr(0, slash);
    if (slash == std::string::npos) {
      json server;
      if (auto missing = find_server(run, id, limits, server))
        return *missing;
      json names = json::array();
      for (const auto& p : panels())
        names.push_back(p.name);
      return ok_reply({{"status", "success"}, {"server", std::move(server)}, {"panels", names}});
    }
    auto name = rest.substr(slash + 1);
    for (const auto& p : panels())
      if (name == p.name)
        return plot(run, id, p, query, limits);
    std::string known;
    for (const auto& p : panels())
      known += (known.empty() ? "" : ", ") + std::string{p.name};
    return error_reply(404, "no plot '" + name.substr(0, 64) + "' (there are " + known + ")");
  }
  return error_reply(404, "no such endpoint: " + path.substr(0, 128)
                            + " (there are /api/fleet, /api/pipeline, /api/servers/ID, "
                              "/api/servers/ID/PLOT)");
}

} // namespace nodepulse::page
