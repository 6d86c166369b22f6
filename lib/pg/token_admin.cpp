#include "lib/pg/token_admin.hpp"

#include "lib/pg/libpq_support.hpp"

#include <cstdlib>

namespace nodepulse::pg {

namespace {

// Runs `sql` with `params` on a new connection; the result, or null and
// `error` set.
result_ptr run(const std::string& dsn, const char* sql, std::vector<const char*> params,
               std::string& error) {
  owned_connection c;
  if (!connect_if_needed(c.conn, dsn, error))
    return nullptr;
  result_ptr r{PQexecParams(c.conn, sql, static_cast<int>(params.size()), nullptr, params.data(),
                            nullptr, nullptr, 0)};
  auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    error = trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(c.conn));
    return nullptr;
  }
  return r;
}

} // namespace

std::string add_token(const std::string& dsn, const std::string& server_id,
                      const std::string& token_hash) {
  std::string error;
  run(dsn, "INSERT INTO admiral.agent_tokens (token_hash, server_id) VALUES ($1, $2)",
      {token_hash.c_str(), server_id.c_str()}, error);
  return error;
}

std::string revoke_tokens(const std::string& dsn, const std::string& server_id,
                          const std::string& hash_prefix, size_t& revoked) {
  revoked = 0;
  std::string error;
  if (server_id.empty()) {
    // A prefix names one token or none: never revoke several by accident.
    auto found = run(dsn,
                     "SELECT count(*) FROM admiral.agent_tokens "
                     "WHERE revoked_at IS NULL AND starts_with(token_hash, $1)",
                     {hash_prefix.c_str()}, error);
    if (!found)
      return error;
    auto n = std::strtoull(PQgetvalue(found.get(), 0, 0), nullptr, 10);
    if (n > 1)
      return std::to_string(n) + " working tokens' hashes start with " + hash_prefix
             + "; give more of it";
  }
  auto r = server_id.empty() ? run(dsn,
                                   "UPDATE admiral.agent_tokens SET revoked_at = now() "
                                   "WHERE revoked_at IS NULL AND starts_with(token_hash, $1)",
                                   {hash_prefix.c_str()}, error)
                             : run(dsn,
                                   "UPDATE admiral.agent_tokens SET revoked_at = now() "
                                   "WHERE revoked_at IS NULL AND server_id = $1",
                                   {server_id.c_str()}, error);
  if (!r)
    return error;
  revoked = std::strtoull(PQcmdTuples(r.get()), nullptr, 10);
  if (revoked == 0)
    return "no working token of "
           + (server_id.empty() ? "hash " + hash_prefix + "…" : "server " + server_id);
  return "";
}

std::string list_tokens(const std::string& dsn, std::vector<ingest::token_entry>& out) {
  std::string error;
  auto r = run(dsn,
               "SELECT server_id::text, token_hash, "
               "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
               "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
               "FROM admiral.agent_tokens ORDER BY server_id, created_at",
               {}, error);
  if (!r)
    return error;
  out.clear();
  for (int i = 0; i < PQntuples(r.get()); ++i)
    out.push_back({PQgetvalue(r.get(), i, 0), PQgetvalue(r.get(), i, 1), PQgetvalue(r.get(), i, 2),
                   PQgetvalue(r.get(), i, 3)});
  return "";
}

} // namespace nodepulse::pg
