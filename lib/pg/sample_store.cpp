#include "lib/pg/sample_store.hpp"

#include "lib/pg/hot_rows_copy.hpp"
#include "lib/pg/libpq_support.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace nodepulse::pg {

// libpq directly, as in token_store.cpp: libpqxx 6.4 leaks a PGresult when
// a connection drops under a statement, and the digest's statements run
// exactly while a database goes away and comes back.
struct sample_store::impl {
  PGconn* conn = nullptr;
  bool in_copy = false; // a COPY was started and not ended
  std::string piece;    // binary COPY data being sent; its capacity is kept

  ~impl() { drop(); }

  void drop() {
    if (conn != nullptr)
      PQfinish(conn);
    conn = nullptr;
    in_copy = false;
  }
};

sample_store::sample_store(std::string dsn)
  : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

sample_store::~sample_store() = default;

namespace {

// Connects now if there is no live connection; false and `error` set if
// the database cannot be reached.
bool connected(PGconn*& conn, const std::string& dsn, digest::db_error& error) {
  if (connect_if_needed(conn, dsn, error.message))
    return true;
  error.connection_lost = true;
  return false;
}

// Whether `res` has the wanted status; `error` says why not, and whether it
// is because the connection went away.
bool succeeded(PGconn* conn, const PGresult* res, ExecStatusType wanted, digest::db_error& error) {
  if (res != nullptr && PQresultStatus(res) == wanted)
    return true;
  error.connection_lost = PQstatus(conn) != CONNECTION_OK;
  error.message = trimmed(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (error.message == "unknown error")
    error.message = trimmed(PQerrorMessage(conn));
  return false;
}

bool run(PGconn* conn, const char* sql, digest::db_error& error) {
  result_ptr res{PQexec(conn, sql)};
  return succeeded(conn, res.get(), PGRES_COMMAND_OK, error);
}

} // namespace

namespace {

void append_quoted(const std::string& item, std::string& out) {
  out += '"';
  for (char c : item) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
}

} // namespace

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += ',';
    append_quoted(items[i], out);
  }
  out += '}';
  return out;
}

std::string array_literal(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += ',';
    if (items[i])
      append_quoted(*items[i], out);
    else
      out += "NULL";
  }
  out += '}';
  return out;
}

std::string iso_day(int64_t day) {
  std::time_t t = static_cast<std::time_t>(day * 86'400);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

bool sample_store::ensure_hot_partition(int64_t period_start_ms, digest::db_error& error) {
  if (!connected(impl_->conn, dsn_, error))
    return false;
  auto ms = std::to_string(period_start_ms);
  const char* params[] = {ms.c_str()};
  result_ptr res{PQexecParams(
    impl_->conn, "SELECT admiral.ensure_hot_partition(to_timestamp($1::bigint / 1000.0))", 1,
    nullptr, params, nullptr, nullptr, 0)};
  return succeeded(impl_->conn, res.get(), PGRES_TUPLES_OK, error);
}

namespace {

// The second column of a (position, id) answer, by position (1-based);
// positions the answer leaves out stay 0.
template <class Id>
std::vector<Id> ids_by_position(const PGresult* res, size_t n) {
  std::vector<Id> ids(n, 0);
  for (int row = 0; row < PQntuples(res); ++row) {
    auto at = std::stoull(PQgetvalue(res, row, 0));
    if (at >= 1 && at <= n)
      ids[at - 1] = static_cast<Id>(std::stoll(PQgetvalue(res, row, 1)));
  }
  return ids;
}

} // namespace

std::optional<std::vector<int32_t>>
sample_store::resolve_metrics(const std::vector<digest::metric_key>& metrics,
                              digest::db_error& error) {
  if (!connected(impl_->conn, dsn_, error))
    return std::nullopt;
  std::vector<std::string> names, types;
  std::vector<std::optional<std::string>> helps, units;
  for (const auto& m : metrics) {
    names.push_back(m.name);
    types.push_back(m.type);
    helps.push_back(m.help);
    units.push_back(m.unit);
  }
  auto a = array_literal(names), b = array_literal(types), c = array_literal(helps),
       d = array_literal(units);
  const char* params[] = {a.c_str(), b.c_str(), c.c_str(), d.c_str()};
  result_ptr res{PQexecParams(impl_->conn,
                              "SELECT ord, metric_id FROM admiral.resolve_metrics($1::text[], "
                              "$2::text[], $3::text[], $4::text[])",
                              4, nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, res.get(), PGRES_TUPLES_OK, error))
    return std::nullopt;
  auto ids = ids_by_position<int32_t>(res.get(), metrics.size());
  for (auto id : ids)
    if (id == 0) {
      error.message = "admiral.resolve_metrics left a metric without an id";
      return std::nullopt;
    }
  return ids;
}

std::optional<std::vector<int64_t>>
sample_store::resolve_series(const std::vector<digest::series_key>& series,
                             const std::vector<int64_t>& days, digest::db_error& error) {
  if (!connected(impl_->conn, dsn_, error))
    return std::nullopt;
  // In identity order, as the function inserts them, so that what two
  // digests send at once is locked in one order.
  std::vector<std::string> servers, metric_ids, labels, day_texts;
  for (size_t i = 0; i < series.size(); ++i) {
    servers.push_back(series[i].server_id);
    metric_ids.push_back(std::to_string(series[i].metric_id));
    labels.push_back(series[i].labels_json);
    day_texts.push_back(iso_day(days[i]));
  }
  auto a = array_literal(servers), b = array_literal(metric_ids), c = array_literal(labels),
       d = array_literal(day_texts);
  const char* params[] = {a.c_str(), b.c_str(), c.c_str(), d.c_str()};
  result_ptr res{PQexecParams(impl_->conn,
                              "SELECT ord, series_id FROM admiral.resolve_series($1::uuid[], "
                              "$2::integer[], $3::jsonb[], $4::date[])",
                              4, nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, res.get(), PGRES_TUPLES_OK, error))
    return std::nullopt;
  return ids_by_position<int64_t>(res.get(), series.size());
}

std::optional<std::vector<int64_t>>
sample_store::touch_series(const std::vector<int64_t>& series_ids, const std::vector<int64_t>& days,
                           digest::db_error& error) {
  if (!connected(impl_->conn, dsn_, error))
    return std::nullopt;
  std::vector<std::pair<int64_t, int64_t>> sorted; // in id order: row locks in one order
  for (size_t i = 0; i < series_ids.size(); ++i)
    sorted.emplace_back(series_ids[i], days[i]);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> ids, day_texts;
  for (const auto& [id, day] : sorted) {
    ids.push_back(std::to_string(id));
    day_texts.push_back(iso_day(day));
  }
  auto a = array_literal(ids), b = array_literal(day_texts);
  const char* params[] = {a.c_str(), b.c_str()};
  result_ptr res{PQexecParams(impl_->conn,
                              "SELECT gone FROM admiral.touch_series($1::bigint[], $2::date[])", 2,
                              nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, res.get(), PGRES_TUPLES_OK, error))
    return std::nullopt;
  std::vector<int64_t> gone;
  for (int row = 0; row < PQntuples(res.get()); ++row)
    gone.push_back(std::stoll(PQgetvalue(res.get(), row, 0)));
  return gone;
}

bool sample_store::begin(digest::db_error& error) {
  return connected(impl_->conn, dsn_, error) && run(impl_->conn, "BEGIN", error);
}

std::optional<std::vector<std::string>>
sample_store::known_batches(const std::vector<std::string>& batch_ids, digest::db_error& error) {
  auto ids = array_literal(batch_ids);
  const char* params[] = {ids.c_str()};
  result_ptr res{PQexecParams(impl_->conn,
                              "SELECT batch_id FROM admiral.accepted_batches "
                              "WHERE batch_id = ANY($1::text[])",
                              1, nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, res.get(), PGRES_TUPLES_OK, error))
    return std::nullopt;
  std::vector<std::string> known;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    known.emplace_back(PQgetvalue(res.get(), i, 0));
  return known;
}

bool sample_store::copy_start(digest::db_error& error) {
  result_ptr start{PQexec(impl_->conn, "COPY admiral.samples_hot (series_id, timestamp, value) "
                                       "FROM STDIN (FORMAT binary)")};
  if (!succeeded(impl_->conn, start.get(), PGRES_COPY_IN, error))
    return false;
  impl_->in_copy = true;
  impl_->piece.clear();
  append_binary_copy_header(impl_->piece);
  return true;
}

bool sample_store::copy_rows(const digest::hot_row* rows, size_t count, digest::db_error& error) {
  append_hot_rows(rows, count, impl_->piece);
  bool sent =
    PQputCopyData(impl_->conn, impl_->piece.data(), static_cast<int>(impl_->piece.size())) == 1;
  impl_->piece.clear();
  if (sent)
    return true;
  error.connection_lost = PQstatus(impl_->conn) != CONNECTION_OK;
  error.message = trimmed(PQerrorMessage(impl_->conn));
  return false;
}

bool sample_store::copy_end(digest::db_error& error) {
  impl_->in_copy = false;
  impl_->piece.clear();
  append_binary_copy_trailer(impl_->piece);
  if (PQputCopyData(impl_->conn, impl_->piece.data(), static_cast<int>(impl_->piece.size())) != 1
      || PQputCopyEnd(impl_->conn, nullptr) != 1) {
    error.connection_lost = PQstatus(impl_->conn) != CONNECTION_OK;
    error.message = trimmed(PQerrorMessage(impl_->conn));
    return false;
  }
  // A row PostgreSQL refuses is reported here, after the end.
  bool ok = true;
  while (PGresult* r = PQgetResult(impl_->conn)) {
    result_ptr res{r};
    if (ok)
      ok = succeeded(impl_->conn, res.get(), PGRES_COMMAND_OK, error);
  }
  return ok;
}

bool sample_store::record_batches(const std::vector<digest::accepted_batch>& batches,
                                  digest::db_error& error) {
  std::vector<std::string> ids, servers, received, drops;
  for (const auto& b : batches) {
    ids.push_back(b.batch_id);
    servers.push_back(b.server_id);
    received.push_back(std::to_string(b.received_at_ms));
    drops.push_back(b.agent_dropped);
  }
  auto id_list = array_literal(ids);
  auto server_list = array_literal(servers);
  auto received_list = array_literal(received);
  auto drop_list = array_literal(drops);
  const char* params[] = {id_list.c_str(), server_list.c_str(), received_list.c_str(),
                          drop_list.c_str()};
  // accepted_at: this moment, not the transaction's start, so that it is
  // close to the commit (what the end-to-end lag is measured against).
  // A batch id committed meanwhile by another digest is a unique violation:
  // this transaction rolls back and the writer sees the id as known.
  result_ptr inserted{PQexecParams(impl_->conn,
                                   "INSERT INTO admiral.accepted_batches "
                                   "(batch_id, server_id, accepted_at, epoch, sequence, "
                                   "received_at, agent_drops, agent_dropped_through) "
                                   "SELECT b, s, clock_timestamp(), m[1], m[2]::bigint, "
                                   "to_timestamp(r / 1000.0), nullif(d, ''), "
                                   "(regexp_match(d, '(?:^|,)through=([0-9]{1,18})(?:,|$)'))"
                                   "[1]::bigint "
                                   "FROM unnest($1::text[], $2::uuid[], $3::bigint[], "
                                   "$4::text[]) AS t(b, s, r, d) "
                                   // An agent's id names its WAL epoch and sequence
                                   // (the loss detector's input); others have none.
                                   "LEFT JOIN LATERAL regexp_match(b, "
                                   "'^[0-9A-Fa-f-]{36}:([0-9a-f]{16}):([0-9]{1,18})$') AS m "
                                   "ON true",
                                   4, nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, inserted.get(), PGRES_COMMAND_OK, error))
    return false;
  // Each server once, newest push, in id order (two digests upserting the
  // same servers take their row locks in the same order: no deadlock).
  std::vector<std::pair<std::string, int64_t>> seen;
  for (const auto& b : batches)
    seen.emplace_back(b.server_id, b.received_at_ms);
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> server_ids, last_seen;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (i + 1 < seen.size() && seen[i + 1].first == seen[i].first)
      continue; // the later one has the larger time
    server_ids.push_back(seen[i].first);
    last_seen.push_back(std::to_string(seen[i].second));
  }
  auto server_ids_list = array_literal(server_ids);
  auto last_seen_list = array_literal(last_seen);
  const char* upsert_params[] = {server_ids_list.c_str(), last_seen_list.c_str()};
  result_ptr upserted{PQexecParams(
    impl_->conn,
    "INSERT INTO admiral.servers AS s (id, first_seen, last_seen) "
    "SELECT id, to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0) "
    "FROM unnest($1::uuid[], $2::bigint[]) AS t(id, ms) "
    "ON CONFLICT (id) DO UPDATE SET last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen)",
    2, nullptr, upsert_params, nullptr, nullptr, 0)};
  return succeeded(impl_->conn, upserted.get(), PGRES_COMMAND_OK, error);
}

bool sample_store::commit(digest::db_error& error) {
  return run(impl_->conn, "COMMIT", error);
}

void sample_store::rollback() {
  if (impl_->conn == nullptr)
    return;
  if (PQstatus(impl_->conn) != CONNECTION_OK) {
    impl_->drop();
    return;
  }
  if (impl_->in_copy) { // abandoned halfway: end it as failed first
    impl_->in_copy = false;
    PQputCopyEnd(impl_->conn, "abandoned by the digest");
    while (PGresult* r = PQgetResult(impl_->conn))
      PQclear(r);
  }
  result_ptr res{PQexec(impl_->conn, "ROLLBACK")};
}

bool sample_store::apply_retention(int64_t days, digest::db_error& error) {
  if (!connected(impl_->conn, dsn_, error))
    return false;
  auto n = std::to_string(days);
  const char* params[] = {n.c_str()};
  result_ptr dropped{PQexecParams(impl_->conn, "SELECT admiral.apply_sample_retention($1::int)", 1,
                                  nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, dropped.get(), PGRES_TUPLES_OK, error))
    return false;
  result_ptr pruned{PQexecParams(impl_->conn,
                                 "DELETE FROM admiral.accepted_batches "
                                 "WHERE accepted_at < now() - make_interval(days => $1::int)",
                                 1, nullptr, params, nullptr, nullptr, 0)};
  if (!succeeded(impl_->conn, pruned.get(), PGRES_COMMAND_OK, error))
    return false;
  // Epochs no batch moved for as long are gone with their batches.
  result_ptr epochs{PQexecParams(impl_->conn,
                                 "DELETE FROM admiral.wal_epochs "
                                 "WHERE checked_at < now() - make_interval(days => $1::int)",
                                 1, nullptr, params, nullptr, nullptr, 0)};
  return succeeded(impl_->conn, epochs.get(), PGRES_COMMAND_OK, error);
}

} // namespace nodepulse::pg
