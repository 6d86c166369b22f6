#include "lib/pg/legacy_move.hpp"

#include "lib/pg/libpq_support.hpp"
#include "lib/text/grouped.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace nodepulse::pg {

namespace {

// The one value of `sql`'s answer, or nullopt with `error` set.
std::optional<std::string> single(PGconn* conn, const std::string& sql, std::string& error) {
  result_ptr res{PQexec(conn, sql.c_str())};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    error = trimmed(PQresultErrorMessage(res.get()));
    return std::nullopt;
  }
  if (PQntuples(res.get()) < 1 || PQgetisnull(res.get(), 0, 0))
    return std::string{};
  return std::string{PQgetvalue(res.get(), 0, 0)};
}

} // namespace

std::string legacy_move_progress::describe() const {
  std::string out =
    text::grouped(moved) + " of ~" + text::grouped(std::max(estimated_total, moved)) + " rows";
  if (estimated_total > 0)
    out += " (" + std::to_string(std::min<int64_t>(100, moved * 100 / estimated_total)) + "%)";
  if (elapsed_seconds > 0 && moved > 0) {
    double rate = static_cast<double>(moved) / elapsed_seconds;
    out += ", " + text::grouped(static_cast<int64_t>(std::llround(rate))) + " rows/s";
    if (estimated_total > moved)
      out += ", ~"
             + std::to_string(
               static_cast<int64_t>(std::ceil(static_cast<double>(estimated_total - moved) / rate)))
             + " s left";
  }
  return out;
}

bool move_legacy_samples(const std::string& dsn, int64_t batch_rows,
                         const std::function<void(const legacy_move_progress&)>& on_progress,
                         legacy_move_progress& out, std::string& error) {
  owned_connection c;
  if (!connect_if_needed(c.conn, dsn, error))
    return false;
  auto exists =
    single(c.conn, "SELECT to_regclass('admiral.metric_samples_legacy') IS NOT NULL", error);
  if (!exists)
    return false;
  if (*exists != "t") {
    out.finished = true;
    return true;
  }
  // reltuples: -1 for a table never analyzed; then count (it is small, or
  // was never vacuumed: either way the count is what there is).
  auto estimate = single(c.conn,
                         "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint, "
                         "bool_or(c.reltuples < 0) FROM pg_partition_tree("
                         "'admiral.metric_samples_legacy') t JOIN pg_class c ON c.oid = t.relid "
                         "WHERE t.isleaf",
                         error);
  if (!estimate)
    return false;
  out.estimated_total = std::strtoll(estimate->c_str(), nullptr, 10);
  if (out.estimated_total == 0) {
    auto counted = single(c.conn, "SELECT count(*) FROM admiral.metric_samples_legacy", error);
    if (!counted)
      return false;
    out.estimated_total = std::strtoll(counted->c_str(), nullptr, 10);
  }
  auto started = std::chrono::steady_clock::now();
  const std::string move_sql =
    "SELECT admiral.move_legacy_samples(" + std::to_string(batch_rows) + ")";
  for (;;) {
    auto moved = single(c.conn, move_sql, error);
    if (!moved)
      return false;
    auto n = std::strtoll(moved->c_str(), nullptr, 10);
    out.moved += n;
    out.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (n == 0)
      break;
    if (on_progress)
      on_progress(out);
  }
  auto finished = single(c.conn, "SELECT admiral.finish_legacy_move()", error);
  if (!finished)
    return false;
  out.finished = *finished == "t";
  if (!out.finished)
    error = "rows arrived in admiral.metric_samples_legacy while it was being moved (an old "
            "digest still writing to it?); run nodepulse migrate again once it is stopped";
  return out.finished;
}

} // namespace nodepulse::pg
