// What the libpq clients in lib/pg share: results that free
// themselves, and libpq's messages without their trailing newline.
// Internal to lib/pg (the only place that includes libpq).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace nodepulse::pg {

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// A libpq message as one line; "unknown error" when there is none.
inline std::string trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s.empty() ? "unknown error" : s;
}

// One libpq connection, finished with its owner.
struct owned_connection {
  PGconn* conn = nullptr;
  owned_connection() = default;
  owned_connection(const owned_connection&) = delete;
  owned_connection& operator=(const owned_connection&) = delete;
  ~owned_connection() {
    if (conn != nullptr)
      PQfinish(conn);
  }
};

// Connects now if `conn` is not a live connection (finishing a dead one);
// false and `error` set, and `conn` null, if the database cannot be reached.
inline bool connect_if_needed(PGconn*& conn, const std::string& dsn, std::string& error) {
  if (conn != nullptr && PQstatus(conn) == CONNECTION_OK)
    return true;
  if (conn != nullptr)
    PQfinish(conn);
  conn = PQconnectdb(dsn.c_str());
  if (PQstatus(conn) == CONNECTION_OK)
    return true;
  error = trimmed(PQerrorMessage(conn));
  PQfinish(conn);
  conn = nullptr;
  return false;
}

} // namespace nodepulse::pg
