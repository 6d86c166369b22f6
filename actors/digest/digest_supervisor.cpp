#include "actors/digest/digest_supervisor.hpp"

#include "actors/http_forwarding.hpp"
#include "runtime/ingest/responses.hpp"
#include "runtime/node/restart_backoff.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

namespace nodepulse {

namespace {

using self_ptr = digest_supervisor_actor::stateful_pointer<digest_supervisor_state>;

void respond(http_exchange& ex, int status, std::string body) {
  http::reply r;
  r.status = status;
  r.body = std::move(body);
  ex.done(std::move(r));
}

void respond_error(http_exchange& ex, int status, const std::string& why) {
  auto r = ingest::error_response(status, why);
  respond(ex, r.status, std::move(r.body));
}

void start_writer(self_ptr self) {
  auto& st = self->state;
  *st.writer = st.settings.spawn_writer(self);
  self->monitor(*st.writer);
}

// Asks the writer how it is, then calls `f` with its status, or answers
// 503 if there is no writer or it does not answer in time.
template <class F>
void with_writer_status(self_ptr self, http_exchange ex, F f) {
  auto& st = self->state;
  if (!*st.writer)
    return respond_error(ex, 503, "the DB writer is restarting");
  self->request(*st.writer, st.settings.status_timeout, status_atom::value)
    .then([ex, f](writer_status& s) mutable { f(ex, s); },
          [ex](caf::error&) mutable {
            respond_error(ex, 503, "the DB writer did not answer in time");
          });
}

void route(self_ptr self, http_exchange ex) {
  const auto& path = ex.req.path;
  bool known = path == "/healthz" || path == "/readyz" || path == "/metrics";
  if (!known)
    return respond_error(ex, 404, "no such endpoint: " + path.substr(0, 128));
  if (ex.req.method != "GET")
    return respond_error(ex, 405, "method " + ex.req.method.substr(0, 16)
                                    + " is not allowed on " + path);
  if (path == "/healthz")
    return respond(ex, 200, R"({"status":"ok"})");
  if (path == "/readyz")
    return with_writer_status(self, std::move(ex), [](http_exchange& ex, writer_status& s) {
      if (!s.stream_reachable)
        return respond_error(ex, 503, "Valkey is unreachable: " + s.stream_error);
      if (!s.database_reachable)
        return respond_error(ex, 503, "PostgreSQL is unreachable: " + s.database_error);
      respond(ex, 200, R"({"status":"ready"})");
    });
  with_writer_status(self, std::move(ex), [self](http_exchange& ex, writer_status& s) {
    http::reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = std::move(s.metrics);
    r.body += "# HELP nodepulse_digest_writer_restarts_total DB writer restarts after it died.\n"
              "# TYPE nodepulse_digest_writer_restarts_total counter\n"
              "nodepulse_digest_writer_restarts_total "
              + std::to_string(self->state.restarts) + "\n";
    ex.done(std::move(r));
  });
}

} // namespace

digest_supervisor_actor::behavior_type
digest_supervisor(self_ptr self, digest_supervisor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  if (st.settings.serve) {
    http::reply gone;
    gone.status = 503;
    gone.body = R"({"status":"error","error":"digest is shutting down"})";
    std::string error;
    st.server = http::server::start(
      st.settings.status,
      forward_http_to<digest_supervisor_actor>(self->address(), std::move(gone)), error);
    if (!st.server)
      self->quit(caf::make_error(caf::sec::cannot_open_port, error));
  }
  if (!st.settings.serve || st.server)
    start_writer(self);
  // Monitored, not linked (a link would carry the writer's death here): so
  // whichever incarnation runs is stopped explicitly with the node.
  self->attach_functor([writer = st.writer] {
    if (*writer)
      caf::anon_send_exit(*writer, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (!*st.writer || st.writer->address() != msg.source)
      return;
    *st.writer = nullptr;
    ++st.deaths;
    self->delayed_send(self, restart_backoff(st.deaths), respawn_atom::value, uint32_t{0});
  });
  return {
    [self](respawn_atom, uint32_t) {
      if (*self->state.writer)
        return;
      ++self->state.restarts;
      start_writer(self);
    },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
  };
}

} // namespace nodepulse
