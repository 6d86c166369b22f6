#include "lib/pg/sample_reader.hpp"

#include "lib/pg/read_transaction.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <map>

namespace nodepulse::pg {

namespace {

// SQL for one matcher, its values appended to `params` as $n.
std::string condition(const remote::label_matcher& m, std::vector<std::string>& params) {
  auto param = [&](std::string v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  using k = remote::label_matcher;
  std::string column;
  if (m.name == "__name__")
    column = "m.metric_name";
  else if (m.name == "server_id")
    column = "s.server_id::text";
  if (column.empty()) {
    // A missing label reads as "", as Prometheus has it.
    if (m.kind == k::equal && !m.value.empty()) // the GIN index answers this
      return "s.labels @> jsonb_build_object(" + param(m.name) + "::text, " + param(m.value)
             + "::text)";
    if (m.kind == k::equal)
      return "NOT s.labels ? " + param(m.name);
    if (m.kind == k::not_equal && m.value.empty())
      return "s.labels ? " + param(m.name);
    column = "coalesce(s.labels->>" + param(m.name) + ", '')";
  }
  switch (m.kind) {
    case k::equal:
      return column + " = " + param(m.value);
    case k::not_equal:
      return column + " <> " + param(m.value);
    case k::regex: // Prometheus anchors its regular expressions
      return column + " ~ ('^(?:' || " + param(m.value) + " || ')$')";
    case k::not_regex:
      return column + " !~ ('^(?:' || " + param(m.value) + " || ')$')";
  }
  return "false";
}

std::string array_literal(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

// A big-endian 8-byte field of a binary result.
uint64_t be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

} // namespace

struct sample_reader::impl : owned_connection {};

sample_reader::sample_reader(std::string dsn)
  : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

sample_reader::~sample_reader() = default;

read_outcome sample_reader::read(const std::vector<remote::read_query>& queries,
                                 const read_limits& limits,
                                 std::vector<std::vector<remote::read_series>>& out) {
  out.clear();
  read_outcome outcome;
  auto fail = [&](read_outcome::kind_t kind, std::string error) {
    outcome.kind = kind;
    outcome.error = std::move(error);
    out.clear();
    return outcome;
  };
  for (size_t i = 0; i < queries.size(); ++i)
    if (queries[i].end_ms - queries[i].start_ms > limits.max_range_ms)
      return fail(read_outcome::over_limit,
                  "query " + std::to_string(i + 1) + " spans "
                    + std::to_string((queries[i].end_ms - queries[i].start_ms) / 1000)
                    + " s, more than query.max_range (" + std::to_string(limits.max_range_ms / 1000)
                    + " s)");
  auto& conn = impl_->conn;
  std::string error;
  if (!connect_if_needed(conn, dsn_, error))
    return fail(read_outcome::unreachable, error);
  if (!begin_read_only(conn, limits.timeout, {}, error))
    return fail(read_outcome::unreachable, error);
  // A limit passed inside the transaction: it ends here, so an idle
  // connection never holds a snapshot (or locks that would hold up the
  // compactor's and retention's DDL) until the next request.
  auto refuse = [&](std::string error) {
    roll_back(conn);
    return fail(read_outcome::over_limit, std::move(error));
  };
  auto failed = [&](const PGresult* r, const std::string& what) {
    auto failure = failed_statement(conn, r, what, limits.timeout);
    return fail(failure.kind, failure.error);
  };
  size_t samples_total = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const auto& q = queries[qi];
    auto where = "query " + std::to_string(qi + 1);
    std::vector<std::string> params{std::to_string(q.start_ms)};
    std::string sql = "SELECT s.series_id, s.server_id::text, m.metric_name, s.labels::text "
                      "FROM admiral.series s JOIN admiral.metrics m ON m.metric_id = s.metric_id "
                      "WHERE s.last_seen >= (to_timestamp($1::bigint / 1000.0) AT TIME ZONE "
                      "'UTC')::date";
    for (const auto& m : q.matchers)
      sql += " AND " + condition(m, params);
    sql += " LIMIT " + std::to_string(limits.max_series + 1);
    std::vector<const char*> values;
    for (const auto& p : params)
      values.push_back(p.c_str());
    result_ptr found{PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0)};
    if (PQresultStatus(found.get()) != PGRES_TUPLES_OK)
      return failed(found.get(), where + " (its series)");
    auto rows = static_cast<size_t>(PQntuples(found.get()));
    if (rows > limits.max_series)
      return refuse(where + " selects more than " + std::to_string(limits.max_series)
                    + " series (query.max_series); narrow its matchers");
    // Look-alike series (same name, server and labels) become one.
    std::map<std::vector<std::pair<std::string, std::string>>, size_t> by_labels;
    std::vector<size_t> series_of_row(rows);
    auto& result = out.emplace_back();
    std::vector<int64_t> ids;
    for (size_t r = 0; r < rows; ++r) {
      ids.push_back(std::strtoll(PQgetvalue(found.get(), static_cast<int>(r), 0), nullptr, 10));
      std::vector<std::pair<std::string, std::string>> labels;
      labels.emplace_back("__name__", PQgetvalue(found.get(), static_cast<int>(r), 2));
      labels.emplace_back("server_id", PQgetvalue(found.get(), static_cast<int>(r), 1));
      auto json =
        nlohmann::json::parse(PQgetvalue(found.get(), static_cast<int>(r), 3), nullptr, false);
      if (json.is_object())
        for (auto it = json.begin(); it != json.end(); ++it)
          if (it.key() != "__name__" && it.key() != "server_id" && it.value().is_string())
            labels.emplace_back(it.key(), it.value().get<std::string>());
      std::sort(labels.begin(), labels.end());
      auto [at, added] = by_labels.emplace(labels, result.size());
      if (added)
        result.push_back({std::move(labels), {}});
      series_of_row[r] = at->second;
    }
    if (ids.empty())
      continue;
    std::map<int64_t, size_t> series_of_id;
    for (size_t r = 0; r < rows; ++r)
      series_of_id[ids[r]] = series_of_row[r];
    auto id_list = array_literal(ids);
    auto from = std::to_string(q.start_ms);
    auto to = std::to_string(q.end_ms);
    auto room = std::to_string(limits.max_samples - samples_total + 1);
    const char* sample_params[] = {id_list.c_str(), from.c_str(), to.c_str(), room.c_str()};
    // Binary results: a value comes bit for bit (a stale marker stays one).
    result_ptr got{PQexecParams(
      conn,
      "SELECT series_id, ts_ms, value FROM admiral.series_samples($1::bigint[], "
      "to_timestamp($2::bigint / 1000.0), to_timestamp($3::bigint / 1000.0)) LIMIT $4::bigint",
      4, nullptr, sample_params, nullptr, nullptr, 1)};
    if (PQresultStatus(got.get()) != PGRES_TUPLES_OK)
      return failed(got.get(), where + " (its samples)");
    auto n = static_cast<size_t>(PQntuples(got.get()));
    samples_total += n;
    if (samples_total > limits.max_samples)
      return refuse("the request selects more than " + std::to_string(limits.max_samples)
                    + " samples (query.max_samples); ask for a shorter range or fewer series");
    for (size_t r = 0; r < n; ++r) {
      auto id = static_cast<int64_t>(be64(PQgetvalue(got.get(), static_cast<int>(r), 0)));
      auto ts = static_cast<int64_t>(be64(PQgetvalue(got.get(), static_cast<int>(r), 1)));
      uint64_t bits = be64(PQgetvalue(got.get(), static_cast<int>(r), 2));
      double value;
      std::memcpy(&value, &bits, sizeof value);
      auto it = series_of_id.find(id);
      if (it != series_of_id.end())
        result[it->second].samples.push_back({ts, value});
    }
  }
  commit(conn);
  // Time order, one sample per timestamp; series without samples in the
  // range are left out, as Prometheus's own storage would.
  for (auto& result : out) {
    for (auto& series : result) {
      auto& s = series.samples;
      std::stable_sort(s.begin(), s.end(), [](const auto& a, const auto& b) {
        return a.timestamp_ms < b.timestamp_ms;
      });
      s.erase(
        std::unique(s.begin(), s.end(),
                    [](const auto& a, const auto& b) { return a.timestamp_ms == b.timestamp_ms; }),
        s.end());
    }
    result.erase(std::remove_if(result.begin(), result.end(),
                                [](const auto& series) { return series.samples.empty(); }),
                 result.end());
  }
  return outcome;
}

} // namespace nodepulse::pg
