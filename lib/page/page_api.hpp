// The web page's JSON endpoints (docs/web-page.md), without I/O: a GET of
// /api/fleet, /api/pipeline, /api/servers/ID or /api/servers/ID/PANEL with
// its query string becomes one or two of the page's queries, run through
// `run`, and the whole HTTP reply. Every figure is computed by the SQL of
// sql/queries/ (compiled in: page_queries()); a plot's query is wrapped to
// average it into at most `points` buckets in PostgreSQL, so a reply holds
// at most points x series values whatever the range.
#pragma once

#include "lib/http/message.hpp"
#include "lib/pg/page_reader.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nodepulse::page {

struct api_limits {
  int64_t down_after_ms = 45'000; // no push for this long: down
  int64_t max_points = 2'000;     // per series of one plot
  int64_t default_points = 600;
  int64_t max_range_ms = 32LL * 24 * 3'600'000;
  size_t max_series = 64; // per plot (CPU modes, network devices)
};

// Runs SQL with $1.. parameters (a pg::page_reader in a node).
using query_port =
  std::function<pg::read_outcome(const std::string& sql, const std::vector<std::string>& params,
                                 size_t max_rows, pg::text_table& out)>;

// The reply to GET `path`?`query` under /api/; 404 for a path it does not serve.
http::reply answer_api(const std::string& path, const std::string& query, const query_port& run,
                       const api_limits& limits);

// sql/queries/*.sql by file name without ".sql" (generated at build time).
const std::map<std::string, std::string>& page_queries();

// A query of sql/queries/ as a parameterised statement: its psql variables
// :'server_id', :'window' and :'fresh' become $1, $2 and $3 (in the order
// of `variables`), its trailing ';' removed.
std::string as_statement(const std::string& text, const std::vector<std::string>& variables);

} // namespace nodepulse::page
