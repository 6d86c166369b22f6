#include "actors/digest/query_server.hpp"

#include "actors/http_forwarding.hpp"
#include "lib/page/page_assets.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>

namespace nodepulse {

namespace {

using self_ptr = query_server_actor::stateful_pointer<query_server_state>;
using steady = std::chrono::steady_clock;

void respond_text(http_exchange& ex, int status, const std::string& text,
                  uint32_t retry_after_s = 0) {
  http::reply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = text + "\n";
  r.retry_after_s = retry_after_s;
  ex.done(std::move(r));
}

// The slot of the least busy live worker, if any may take one more.
std::optional<size_t> free_worker(query_server_state& st) {
  std::optional<size_t> best;
  const auto& slots = st.workers.slots();
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].actor && (!best || st.busy[i] < st.busy[*best]))
      best = i;
  return best;
}

void count(query_status& s, const http::reply& r) {
  if (r.status == 200)
    ++s.served;
  else if (r.status == 503 && r.body.find("query.timeout") != std::string::npos)
    ++s.timed_out;
  else if (r.status == 503)
    ++s.unavailable;
  else if (r.body.find("query.max_") != std::string::npos)
    ++s.over_limit;
  else
    ++s.invalid;
}

// Sends one request to the least busy worker (`send(worker)` makes the
// request) and passes its reply, or a 503 when it did not answer, to
// `done`; false (nothing sent) when no worker may take one more.
template <class Send>
bool to_worker(self_ptr self, Send send, std::function<void(http::reply)> done) {
  auto& st = self->state;
  auto slot = free_worker(st);
  if (!slot || st.status.in_flight >= st.settings.max_in_flight)
    return false;
  auto worker = caf::actor_cast<query_worker_actor>(st.workers.slots()[*slot].actor);
  ++st.busy[*slot];
  ++st.status.in_flight;
  auto started = steady::now();
  auto finish = [self, slot = *slot, started, done](http::reply r) {
    auto& st = self->state;
    --st.busy[slot];
    --st.status.in_flight;
    st.status.seconds.observe(std::chrono::duration<double>(steady::now() - started).count());
    done(std::move(r));
  };
  send(worker).then([finish](http::reply& r) { finish(std::move(r)); },
                    [self, finish](caf::error& err) {
                      http::reply r;
                      r.status = 503;
                      r.content_type = "text/plain; charset=utf-8";
                      r.body =
                        "the query worker did not answer: " + self->system().render(err) + "\n";
                      r.retry_after_s = 1;
                      finish(std::move(r));
                    });
  return true;
}

void busy_reply(self_ptr self, http_exchange& ex) {
  ++self->state.status.unavailable;
  respond_text(ex, 503,
               free_worker(self->state)
                 ? "every query worker is busy (query.max_in_flight); retry later"
                 : "no query worker is running; retry later",
               1);
}

// The fleet table is one query over every server (sql/queries/fleet.sql):
// it runs at most once per query.page.fleet_refresh whatever the number of
// readers, who get the newest answer; one older than that is still served
// while a worker makes the next, one older than down_after is waited for.
void refresh_fleet(self_ptr self) {
  auto& fleet = self->state.fleet;
  if (fleet.refreshing)
    return;
  fleet.refreshing = true;
  auto sent = to_worker(
    self,
    [self](const query_worker_actor& worker) {
      return self->request(worker, self->state.settings.worker_timeout, page_atom::value,
                           std::string{"/api/fleet"}, std::string{});
    },
    [self](http::reply r) {
      auto& st = self->state;
      st.fleet.refreshing = false;
      if (r.status == 200) {
        st.fleet.reply = r;
        st.fleet.made = steady::now();
      }
      for (auto& ex : st.fleet.waiting) {
        count(st.status, r);
        ex.done(r);
      }
      st.fleet.waiting.clear();
    });
  if (!sent) {
    fleet.refreshing = false;
    for (auto& ex : fleet.waiting)
      busy_reply(self, ex);
    fleet.waiting.clear();
  }
}

void serve_fleet(self_ptr self, http_exchange ex) {
  auto& st = self->state;
  auto& fleet = st.fleet;
  auto age = steady::now() - fleet.made;
  if (fleet.reply && age < st.settings.fleet_max_age) {
    if (age >= st.settings.fleet_refresh)
      refresh_fleet(self);
    ++st.status.served;
    return ex.done(*fleet.reply);
  }
  if (fleet.waiting.size() >= st.settings.max_in_flight)
    return busy_reply(self, ex);
  fleet.waiting.push_back(std::move(ex));
  refresh_fleet(self);
}

// Hands a request to a free worker and sends its reply: a remote read
// (POST /api/v1/read) or a GET of the page's JSON endpoints; both need the
// bearer token when query.auth has one.
void handle_query(self_ptr self, http_exchange ex, bool page) {
  auto& st = self->state;
  if (st.settings.tokens) {
    auto decision = ingest::authorize(true, ex.req.authorization, "", [&](std::string_view t) {
      return st.settings.tokens->server_of(t);
    });
    if (decision.status != 200) {
      ++st.status.unauthorized;
      return respond_text(ex, decision.status == 403 ? 401 : decision.status, decision.error);
    }
  }
  if (ex.req.head_only && !page)
    return ex.done({http::admit_status, ""});
  if (page && ex.req.path == "/api/fleet")
    return serve_fleet(self, std::move(ex));
  auto answer = [self, ex](http::reply r) mutable {
    count(self->state.status, r);
    ex.done(std::move(r));
  };
  bool sent = page ? to_worker(
                self,
                [self, path = ex.req.path, query = ex.req.query](const query_worker_actor& worker) {
                  return self->request(worker, self->state.settings.worker_timeout,
                                       page_atom::value, path, query);
                },
                answer)
                   : to_worker(
                     self,
                     [self, body = std::move(ex.req.body)](const query_worker_actor& worker) {
                       return self->request(worker, self->state.settings.worker_timeout,
                                            read_atom::value, body);
                     },
                     answer);
  if (!sent)
    busy_reply(self, ex);
}

// The page's own files: no data in them, so no token.
void serve_asset(http_exchange& ex) {
  const auto* file = page::find_asset(ex.req.path == "/index.html" ? "/" : ex.req.path);
  if (file == nullptr)
    return respond_text(ex, 404, "no such file: " + ex.req.path.substr(0, 128));
  http::reply r;
  r.status = 200;
  r.content_type = file->content_type;
  r.body = ex.req.head_only ? std::string{} : file->body;
  ex.done(std::move(r));
}

void route(self_ptr self, http_exchange ex) {
  const auto& path = ex.req.path;
  const auto& method = ex.req.method;
  if (path == "/api/v1/read") {
    if (method != "POST")
      return respond_text(
        ex, 405, "method " + method.substr(0, 16) + " is not allowed on /api/v1/read (POST only)");
    return handle_query(self, std::move(ex), false);
  }
  if (path == "/healthz" && (method == "GET" || method == "HEAD"))
    return respond_text(ex, 200, "ok");
  bool get = method == "GET" || method == "HEAD";
  if (self->state.settings.page && path.rfind("/api/", 0) == 0) {
    if (!get)
      return respond_text(ex, 405,
                          "method " + method.substr(0, 16) + " is not allowed on "
                            + path.substr(0, 128) + " (GET only)");
    return handle_query(self, std::move(ex), true);
  }
  if (self->state.settings.page && get
      && (path == "/" || path.rfind("/assets/", 0) == 0 || path == "/index.html"))
    return serve_asset(ex);
  respond_text(ex, 404,
               "no such endpoint: " + path.substr(0, 128)
                 + (self->state.settings.page ? " (this is /api/v1/read, the web page at / and its "
                                                "/api/ endpoints)"
                                              : " (this is /api/v1/read)"));
}

} // namespace

query_server_actor::behavior_type query_server(self_ptr self, query_server_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.status.workers = std::max<uint32_t>(1, st.settings.workers);
  if (st.settings.serve) {
    http::reply gone;
    gone.status = 503;
    gone.content_type = "text/plain; charset=utf-8";
    gone.body = "the digest is shutting down\n";
    std::string error;
    st.server = http::server::start(
      st.settings.server, forward_http_to<query_server_actor>(self->address(), gone), error);
    if (!st.server)
      self->quit(caf::make_error(caf::sec::cannot_open_port, "query.listen: " + error));
    st.status.serving = st.server != nullptr;
  }
  for (uint32_t i = 0; i < st.status.workers; ++i) {
    st.workers.add<query_worker_actor>(
      "query worker " + std::to_string(i),
      [&st, i](caf::local_actor* self) { return st.settings.spawn_worker(self, i); });
    st.busy.push_back(0);
  }
  // A dead worker's requests are answered by their error handlers.
  supervise<respawn_atom>(self, st.workers, st.status.serving || !st.settings.serve);
  return {
    [self](respawn_atom, uint32_t id) { self->state.workers.respawn(self, id); },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse
