#include "lib/pg/page_reader.hpp"

#include "lib/pg/read_transaction.hpp"

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
  // No JIT: the page's queries take milliseconds, and compiling one took
  // longer than running it (docs/benchmarks.md, "The web page").
  if (!begin_read_only(conn, timeout, {"SET LOCAL jit = off"}, error))
    return fail(read_outcome::unreachable, error);
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  result_ptr r{PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0)};
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    auto failure = failed_statement(conn, r.get(), "the query", timeout);
    return fail(failure.kind, failure.error);
  }
  commit(conn);
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
