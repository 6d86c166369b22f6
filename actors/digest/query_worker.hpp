// A QUERY WORKER of the digest's query address: one request at a time, on
// its own thread (libpq blocks). A remote read: decodes the ReadRequest,
// reads the series and samples through its sample_reader port (lib/pg/
// sample_reader.hpp) under the per-request limits, and answers the whole
// HTTP reply: 200 with a snappy ReadResponse, 400 naming what is wrong or
// which limit was passed, 503 when PostgreSQL did not answer or cancelled a
// query for its time. A GET of the web page's JSON endpoints: the same
// through its page port (lib/page/page_api.hpp).
#pragma once

#include "actors/interfaces.hpp"
#include "lib/page/page_api.hpp"
#include "lib/pg/sample_reader.hpp"
#include "lib/remote/read_request.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace nodepulse {

struct query_settings {
  pg::read_limits limits;
  size_t max_request_bytes = 1 << 20; // a ReadRequest decompressed: matchers only
  size_t max_queries = 16;            // per request (Prometheus sends one)
  page::api_limits page;              // the web page's JSON endpoints
};

// The storage, as the worker needs it (a sample_reader in a node).
using read_port =
  std::function<pg::read_outcome(const std::vector<remote::read_query>&, const pg::read_limits&,
                                 std::vector<std::vector<remote::read_series>>&)>;

struct query_worker_state {
  static inline constexpr const char* name = "query_worker";
  read_port read;
  page::query_port page;
  query_settings settings;
};

query_worker_actor::behavior_type
query_worker(query_worker_actor::stateful_pointer<query_worker_state> self, read_port read,
             page::query_port page, query_settings settings);

// The reply for one request body (what the worker answers), for tests.
http::reply answer_read_request(const std::string& body, const read_port& read,
                                const query_settings& settings);

} // namespace nodepulse
