#include "lib/pg/compaction_store.hpp"

#include "lib/pg/libpq_support.hpp"

#include <cstdlib>

namespace nodepulse::pg {

struct compaction_store::impl : owned_connection {};

compaction_store::compaction_store(std::string dsn)
  : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

compaction_store::~compaction_store() = default;

namespace {

// The key of the compaction lock, the same in every digest and command.
constexpr const char* lock_key = "hashtext('admiral compaction')";

// Runs `sql` with text parameters; the result, or nullptr with `error` set.
result_ptr query(PGconn*& conn, const std::string& dsn, const std::string& sql,
                 const std::vector<std::string>& params, digest::db_error& error) {
  if (!connect_if_needed(conn, dsn, error.message)) {
    error.connection_lost = true;
    return nullptr;
  }
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  result_ptr res{PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0)};
  if (PQresultStatus(res.get()) == PGRES_TUPLES_OK)
    return res;
  error.connection_lost = PQstatus(conn) != CONNECTION_OK;
  error.message = trimmed(PQresultErrorMessage(res.get()));
  return nullptr;
}

int64_t number(const PGresult* res, int row, int column) {
  return std::strtoll(PQgetvalue(res, row, column), nullptr, 10);
}

std::string timestamp_of(int64_t ms) {
  return std::to_string(ms);
}

} // namespace

bool compaction_store::lock(bool wait, bool& got, digest::db_error& error) {
  auto res = query(impl_->conn, dsn_,
                   wait ? std::string{"SELECT true FROM pg_advisory_lock("} + lock_key + ")"
                        : std::string{"SELECT pg_try_advisory_lock("} + lock_key + ")",
                   {}, error);
  if (!res)
    return false;
  got = std::string{PQgetvalue(res.get(), 0, 0)} == "t";
  return true;
}

void compaction_store::unlock() {
  if (impl_->conn == nullptr || PQstatus(impl_->conn) != CONNECTION_OK)
    return; // the session is gone, and its lock with it
  result_ptr res{
    PQexec(impl_->conn, (std::string{"SELECT pg_advisory_unlock("} + lock_key + ")").c_str())};
}

std::optional<std::vector<digest::hot_period>>
compaction_store::periods_before(int64_t before_ms, digest::db_error& error) {
  auto res = query(impl_->conn, dsn_,
                   "SELECT (extract(epoch FROM period) * 1000)::bigint, first_series, "
                   "last_series FROM admiral.hot_periods_before(to_timestamp($1::bigint / "
                   "1000.0)) ORDER BY 1",
                   {timestamp_of(before_ms)}, error);
  if (!res)
    return std::nullopt;
  std::vector<digest::hot_period> periods;
  for (int row = 0; row < PQntuples(res.get()); ++row) {
    digest::hot_period p{number(res.get(), row, 0), number(res.get(), row, 1),
                         number(res.get(), row, 2)};
    // The default partition's rows of a period that has a partition too
    // come as a second row of the same period: one range covering both.
    if (!periods.empty() && periods.back().start_ms == p.start_ms) {
      periods.back().first_series = std::min(periods.back().first_series, p.first_series);
      periods.back().last_series = std::max(periods.back().last_series, p.last_series);
      continue;
    }
    periods.push_back(p);
  }
  return periods;
}

std::optional<digest::compacted_chunk>
compaction_store::compact(const digest::hot_period& period, int64_t before_ms, int64_t first_series,
                          int64_t last_series, digest::db_error& error) {
  auto res = query(impl_->conn, dsn_,
                   "SELECT blocks, samples, merged, moved FROM admiral.compact_period("
                   "to_timestamp($1::bigint / 1000.0), to_timestamp($2::bigint / 1000.0), "
                   "$3::bigint, $4::bigint)",
                   {timestamp_of(period.start_ms), timestamp_of(before_ms),
                    std::to_string(first_series), std::to_string(last_series)},
                   error);
  if (!res)
    return std::nullopt;
  return digest::compacted_chunk{number(res.get(), 0, 0), number(res.get(), 0, 1),
                                 number(res.get(), 0, 2), number(res.get(), 0, 3)};
}

std::optional<bool> compaction_store::drop_if_empty(int64_t period_start_ms,
                                                    digest::db_error& error) {
  auto res = query(impl_->conn, dsn_,
                   "SELECT admiral.drop_hot_partition_if_empty(to_timestamp($1::bigint / 1000.0))",
                   {timestamp_of(period_start_ms)}, error);
  if (!res)
    return std::nullopt;
  return std::string{PQgetvalue(res.get(), 0, 0)} == "t";
}

} // namespace nodepulse::pg
