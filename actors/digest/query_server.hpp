// The QUERY SERVER: the digest's remote read endpoint (docs/
// prometheus-remote.md) and web page (docs/web-page.md) on query.listen,
// its own address beside the status endpoint. POST /api/v1/read and GET
// /api/*: checks the bearer token (query.auth), then hands the request to
// a free worker of its pool (actors/digest/query_worker.hpp, its own
// PostgreSQL connections) and sends the worker's reply; /api/fleet from
// the newest answer it keeps (query.page.fleet_refresh). GET / and
// /assets/*: the page's files, compiled in, without a token. At most
// `max_in_flight` requests at once: past that a request is answered 503
// with Retry-After before any work. GET /healthz answers 200.
// A worker that dies is restarted after the supervisors' backoff; its
// request is answered 503.
#pragma once

#include "actors/child_slot.hpp"
#include "actors/digest/query_worker.hpp"
#include "actors/interfaces.hpp"
#include "lib/http/server.hpp"
#include "lib/ingest/agent_auth.hpp"

#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace nodepulse {

struct query_server_settings {
  http::server_settings server;
  bool serve = true; // false: no socket; tests send http_exchange themselves
  bool page = true;  // the web page at / and its JSON endpoints under /api/
  // Set: requests need a bearer token this registry knows (query.auth).
  std::shared_ptr<const ingest::token_registry> tokens;
  uint32_t workers = 2;
  uint32_t max_in_flight = 8;
  std::chrono::milliseconds worker_timeout{60'000}; // backstop beyond query.timeout
  // The fleet table's answer is made again at most this often, and served
  // while younger than fleet_max_age (query.page.fleet_refresh, down_after).
  std::chrono::milliseconds fleet_refresh{10'000};
  std::chrono::milliseconds fleet_max_age{45'000};
  std::function<query_worker_actor(caf::local_actor*, uint32_t slot)> spawn_worker;
};

struct query_server_state {
  static inline constexpr const char* name = "query_server";
  query_server_settings settings;
  std::unique_ptr<http::server> server;
  child_slots workers;
  std::vector<uint32_t> busy; // requests each worker holds now, by slot
  query_status status;
  struct {
    std::optional<http::reply> reply; // the newest 200 of /api/fleet
    std::chrono::steady_clock::time_point made;
    bool refreshing = false;
    std::vector<http_exchange> waiting; // for the answer being made
  } fleet;
};

// Quits with sec::cannot_open_port (and the reason) when it cannot listen.
query_server_actor::behavior_type
query_server(query_server_actor::stateful_pointer<query_server_state> self,
             query_server_settings settings);

} // namespace nodepulse
