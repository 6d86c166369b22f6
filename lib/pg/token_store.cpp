#include "lib/pg/token_store.hpp"

#include "lib/pg/libpq_support.hpp"

namespace nodepulse::pg {

// libpq itself, not libpqxx, for this one query: libpqxx 6.4 leaks the
// PGresult of a statement that meets a connection the server has dropped,
// and ingest runs this statement exactly while a database is going away
// (found with LeakSanitizer by the integration test's database restart).
struct token_store::impl : owned_connection {};

token_store::token_store(std::string dsn) : dsn_(std::move(dsn)), impl_(std::make_unique<impl>()) {}

token_store::~token_store() = default;

token_lookup_result token_store::lookup(const std::string& token_hash) {
  token_lookup_result res;
  if (!connect_if_needed(impl_->conn, dsn_, res.error))
    return res;
  const char* params[] = {token_hash.c_str()};
  result_ptr rows{PQexecParams(impl_->conn,
                               "SELECT server_id::text FROM admiral.agent_tokens "
                               "WHERE token_hash = $1 AND revoked_at IS NULL",
                               1, nullptr, params, nullptr, nullptr, 0)};
  if (PQresultStatus(rows.get()) == PGRES_TUPLES_OK) {
    res.reachable = true;
    if (PQntuples(rows.get()) > 0)
      res.server_id = std::string{PQgetvalue(rows.get(), 0, 0)};
  } else {
    res.error = trimmed(rows ? PQresultErrorMessage(rows.get()) : PQerrorMessage(impl_->conn));
    if (res.error == "unknown error")
      res.error = trimmed(PQerrorMessage(impl_->conn));
  }
  return res;
}

} // namespace nodepulse::pg
