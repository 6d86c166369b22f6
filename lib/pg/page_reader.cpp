#include "lib/pg/page_reader.hpp"

#include "lib/pg/libpq_support.hpp"

namespace nodepulse::pg {

struct page_reader::impl : owned_connection {};

page_reader::page_reader(std::string dsn) : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

page_reader::~page_reader() = default;

read_outcome page_reader::run(const std::string& sql, const std::vector<std::string>& params,
                              std::chrono::milliseconds timeout, size_t max_rows, text_table& out) {
  out = {};
  auto& conn = impl_->conn;
  auto fail = [&](read_outcome::kind_t kind, std::string error) {
    out = {};
    return read_outcome{kind, std::move(error)};
  };
  std::string error;
  if (!connect_if_needed(conn, dsn_, error))
    return fail(read_outcome::unreachable, error);
  auto exec = [&](const std::string& command) {
    result_ptr r{PQexec(conn, command.c_str())};
    return PQresultStatus(r.get()) == PGRES_COMMAND_OK;
  };
  // One transaction per query: its statement_timeout goes with it, and an
  // idle connection holds no snapshot. No JIT: the page's queries take
  // milliseconds, and compiling one took longer than running it
  // (docs/benchmarks.md, "The web page").
  if (!exec("BEGIN READ ONLY")
      || !exec("SET LOCAL statement_timeout = " + std::to_string(timeout.count()))
      || !exec("SET LOCAL jit = off")) {
    auto message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    conn = nullptr;
    return fail(read_outcome::unreachable, message);
  }
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  result_ptr r{PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0)};
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    std::string code = state != nullptr ? state : "";
    auto message = trimmed(PQresultErrorMessage(r.get()));
    if (PQstatus(conn) != CONNECTION_OK) {
      PQfinish(conn);
      conn = nullptr;
    } else {
      exec("ROLLBACK");
    }
    if (code == "57014")
      return fail(read_outcome::timed_out, "the query took longer than query.timeout ("
                                             + std::to_string(timeout.count())
                                             + " ms) and was cancelled");
    return fail(read_outcome::unreachable, message);
  }
  exec("COMMIT");
  auto rows = static_cast<size_t>(PQntuples(r.get()));
  if (rows > max_rows)
    return fail(read_outcome::over_limit, "more than " + std::to_string(max_rows) + " rows");
  int columns = PQnfields(r.get());
  for (int c = 0; c < columns; ++c)
    out.columns.emplace_back(PQfname(r.get(), c));
  out.rows.reserve(rows);
  for (size_t i = 0; i < rows; ++i) {
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r.get(), static_cast<int>(i), c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(PQgetvalue(r.get(), static_cast<int>(i), c));
    }
  }
  return {};
}

} // namespace nodepulse::pg
