// What every node's status endpoint (GET /healthz, /readyz, /metrics on
// status.listen) does the same way: the server whose requests the node's
// supervisor answers, 404 / 405 / /healthz, and JSON error replies. The
// supervisor answers /readyz and /metrics itself.
#pragma once

#include "actors/http_forwarding.hpp"
#include "lib/ingest/responses.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <memory>
#include <string>

namespace nodepulse {

// Starts the status server for `self` (a supervisor taking http_exchange);
// null and `error` set when it cannot listen. A request arriving after the
// node stopped gets 503 "<role> is shutting down".
template <class Handle>
std::unique_ptr<http::server> start_status_server(const http::server_settings& settings,
                                                  caf::actor_addr self, const std::string& role,
                                                  std::string& error) {
  http::reply gone;
  gone.status = 503;
  gone.body = R"({"status":"error","error":")" + role + R"( is shutting down"})";
  return http::server::start(settings, forward_http_to<Handle>(std::move(self), std::move(gone)),
                             error);
}

// A supervisor's first step: serve its status endpoint on `settings` into
// `server` (unless `serve` is off, as in tests that send http_exchange
// themselves), or quit with sec::cannot_open_port and why; false then.
template <class Handle, class Self>
bool serve_status_or_quit(Self* self, bool serve, const http::server_settings& settings,
                          const std::string& role, std::unique_ptr<http::server>& server) {
  if (!serve)
    return true;
  std::string error;
  server = start_status_server<Handle>(settings, self->address(), role, error);
  if (!server)
    self->quit(caf::make_error(caf::sec::cannot_open_port, error));
  return server != nullptr;
}

inline void respond_status(http_exchange& ex, int status, std::string body) {
  http::reply r;
  r.status = status;
  r.body = std::move(body);
  ex.done(std::move(r));
}

// `{"status":"error","error":"<why>"}` with `status`.
inline void respond_status_error(http_exchange& ex, int status, const std::string& why) {
  auto r = ingest::error_response(status, why);
  respond_status(ex, r.status, std::move(r.body));
}

// Answers what needs no node state: an unknown path (404), a method other
// than GET (405), GET /healthz (200). True when it answered.
inline bool answer_plain_status_request(http_exchange& ex) {
  const auto& path = ex.req.path;
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
    respond_status_error(ex, 404, "no such endpoint: " + path.substr(0, 128));
    return true;
  }
  if (ex.req.method != "GET") {
    respond_status_error(ex, 405,
                         "method " + ex.req.method.substr(0, 16) + " is not allowed on " + path);
    return true;
  }
  if (path == "/healthz") {
    respond_status(ex, 200, R"({"status":"ok"})");
    return true;
  }
  return false;
}

} // namespace nodepulse
