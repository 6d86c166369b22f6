// The read-only transaction in which the query endpoints (remote read,
// the web page) run their statements, and what a statement that failed in
// it means. Internal to lib/pg.
#pragma once

#include "lib/pg/libpq_support.hpp"
#include "lib/pg/sample_reader.hpp" // read_outcome

#include <chrono>
#include <initializer_list>
#include <string>

namespace nodepulse::pg {

// BEGIN READ ONLY with `timeout` as its statement_timeout, then each of
// `settings` (SET LOCAL ...): all end with the transaction, and one
// transaction per request means an idle connection holds no snapshot (nor
// locks that would hold up the compactor's and retention's DDL). False,
// with `error`, and the connection finished, if the database refused.
bool begin_read_only(PGconn*& conn, std::chrono::milliseconds timeout,
                     std::initializer_list<const char*> settings, std::string& error);

// Ends one whose statements all succeeded, or one given up (a limit was
// passed) while its connection is fine.
void commit(PGconn* conn);
void roll_back(PGconn* conn);

// Ends the transaction of a statement that failed and names the failure,
// `what` first: cancelled by the timeout (57014) is timed_out, an invalid
// regular expression (2201B) invalid, anything else unreachable. A lost
// connection is finished (the next request reconnects), else rolled back.
read_outcome failed_statement(PGconn*& conn, const PGresult* r, const std::string& what,
                              std::chrono::milliseconds timeout);

} // namespace nodepulse::pg
