#include "lib/pg/migrations.hpp"

#include "lib/pg/libpq_support.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

namespace nodepulse::pg {

std::string migration_checksum(const std::string& sql) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : sql) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;

// The error of a failed statement, with the line in `sql` it points at.
std::string describe(PGconn* conn, PGresult* res, const std::string& sql) {
  std::string msg = trimmed(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (res != nullptr)
    if (const char* pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION)) {
      size_t at = std::min<size_t>(static_cast<size_t>(std::atol(pos)), sql.size());
      auto line =
        1 + std::count(sql.begin(), sql.begin() + static_cast<long>(at ? at - 1 : 0), '\n');
      return "line " + std::to_string(line) + ": " + msg;
    }
  return msg;
}

// Runs `sql`; "" or the error.
std::string exec(PGconn* conn, const std::string& sql, result_ptr* keep = nullptr) {
  result_ptr res{PQexec(conn, sql.c_str())};
  auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return describe(conn, res.get(), sql);
  if (keep != nullptr)
    *keep = std::move(res);
  return "";
}

constexpr const char* bookkeeping = "CREATE SCHEMA IF NOT EXISTS admiral;"
                                    "CREATE TABLE IF NOT EXISTS admiral.schema_migrations ("
                                    "  version    integer PRIMARY KEY,"
                                    "  file       text NOT NULL,"
                                    "  checksum   text NOT NULL,"
                                    "  applied_at timestamptz NOT NULL DEFAULT now())";

// Any number: the same for every migrate, so they take turns.
constexpr const char* lock_key = "4242007";

} // namespace

migrate_result apply_migrations(const std::string& dsn, const std::vector<migration>& all) {
  migrate_result out;
  conn_ptr conn{PQconnectdb(dsn.c_str())};
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    out.error = "cannot connect: " + trimmed(PQerrorMessage(conn.get()));
    return out;
  }
  // Quiet the NOTICEs of IF NOT EXISTS.
  if (auto e = exec(conn.get(), "SET client_min_messages = warning"); !e.empty()) {
    out.error = e;
    return out;
  }
  if (auto e = exec(conn.get(), std::string{"SELECT pg_advisory_lock("} + lock_key + ")");
      !e.empty()) {
    out.error = e;
    return out;
  }
  if (auto e = exec(conn.get(), bookkeeping); !e.empty()) {
    out.error = "cannot create admiral.schema_migrations: " + e;
    return out;
  }
  result_ptr rows;
  if (auto e = exec(conn.get(), "SELECT version, checksum FROM admiral.schema_migrations", &rows);
      !e.empty()) {
    out.error = e;
    return out;
  }
  std::map<int, std::string> applied;
  for (int i = 0; i < PQntuples(rows.get()); ++i)
    applied[std::atoi(PQgetvalue(rows.get(), i, 0))] = PQgetvalue(rows.get(), i, 1);
  for (const auto& m : all) {
    auto sum = migration_checksum(m.sql);
    if (auto it = applied.find(m.version); it != applied.end()) {
      if (it->second != sum) {
        out.error = m.file + ": changed since it was applied (checksum " + it->second + " then, "
                    + sum + " now); add a new migration instead";
        return out;
      }
      ++out.already_applied;
      continue;
    }
    std::string e = exec(conn.get(), "BEGIN");
    if (e.empty())
      e = exec(conn.get(), m.sql);
    if (!e.empty()) {
      exec(conn.get(), "ROLLBACK");
      out.error = m.file + ": " + e;
      return out;
    }
    const char* params[] = {nullptr, m.file.c_str(), sum.c_str()};
    std::string version = std::to_string(m.version);
    params[0] = version.c_str();
    result_ptr rec{PQexecParams(conn.get(),
                                "INSERT INTO admiral.schema_migrations (version, file, checksum) "
                                "VALUES ($1, $2, $3)",
                                3, nullptr, params, nullptr, nullptr, 0)};
    if (PQresultStatus(rec.get()) != PGRES_COMMAND_OK) {
      out.error = m.file + ": " + describe(conn.get(), rec.get(), "");
      exec(conn.get(), "ROLLBACK");
      return out;
    }
    if (auto c = exec(conn.get(), "COMMIT"); !c.empty()) {
      out.error = m.file + ": " + c;
      return out;
    }
    out.applied.push_back(m.file);
  }
  return out;
}

} // namespace nodepulse::pg
