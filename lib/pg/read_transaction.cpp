#include "lib/pg/read_transaction.hpp"

namespace nodepulse::pg {

namespace {

bool command_ok(PGconn* conn, const std::string& sql) {
  result_ptr r{PQexec(conn, sql.c_str())};
  return PQresultStatus(r.get()) == PGRES_COMMAND_OK;
}

} // namespace

bool begin_read_only(PGconn*& conn, std::chrono::milliseconds timeout,
                     std::initializer_list<const char*> settings, std::string& error) {
  bool begun =
    command_ok(conn, "BEGIN READ ONLY")
    && command_ok(conn, "SET LOCAL statement_timeout = " + std::to_string(timeout.count()));
  for (const char* setting : settings)
    begun = begun && command_ok(conn, setting);
  if (begun)
    return true;
  error = trimmed(PQerrorMessage(conn));
  PQfinish(conn);
  conn = nullptr;
  return false;
}

void commit(PGconn* conn) {
  command_ok(conn, "COMMIT");
}

void roll_back(PGconn* conn) {
  command_ok(conn, "ROLLBACK");
}

read_outcome failed_statement(PGconn*& conn, const PGresult* r, const std::string& what,
                              std::chrono::milliseconds timeout) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string code = state != nullptr ? state : "";
  auto message = trimmed(PQresultErrorMessage(r));
  if (PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    conn = nullptr;
  } else {
    roll_back(conn);
  }
  if (code == "57014")
    return {read_outcome::timed_out, what + " took longer than query.timeout ("
                                       + std::to_string(timeout.count())
                                       + " ms) and was cancelled"};
  if (code == "2201B") // invalid_regular_expression
    return {read_outcome::invalid, what + ": " + message};
  return {read_outcome::unreachable, what + ": " + message};
}

} // namespace nodepulse::pg
