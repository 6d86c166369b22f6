#include "actors/digest/digest_supervisor.hpp"

#include "actors/status_endpoint.hpp"
#include "lib/digest/compaction_metrics.hpp"
#include "lib/digest/loss_metrics.hpp"
#include "lib/digest/query_metrics.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <optional>

namespace nodepulse {

namespace {

using self_ptr = digest_supervisor_actor::stateful_pointer<digest_supervisor_state>;

// What the loss detector says (all zero without one, or when it does not
// answer in time).
template <class F>
void ask_loss_detector(self_ptr self, F f) {
  auto detector = self->state.loss_detector();
  if (!detector)
    return f(loss_status{});
  self->request(detector, self->state.settings.status_timeout, status_atom::value)
    .then([f](loss_status& s) mutable { f(s); }, [f](caf::error&) mutable { f(loss_status{}); });
}

// What the compactor says (all zero without one, or when it does not
// answer in time).
template <class F>
void ask_compactor(self_ptr self, F f) {
  auto compactor = self->state.compactor();
  if (!compactor)
    return f(compaction_status{});
  self->request(compactor, self->state.settings.status_timeout, status_atom::value)
    .then([f](compaction_status& s) mutable { f(s); },
          [f](caf::error&) mutable { f(compaction_status{}); });
}

// What the remote read endpoint says (nothing without one).
template <class F>
void ask_query_server(self_ptr self, F f) {
  auto server = self->state.query_server();
  if (!server)
    return f(std::optional<query_status>{});
  self->request(server, self->state.settings.status_timeout, status_atom::value)
    .then([f](query_status& s) mutable { f(std::optional<query_status>{std::move(s)}); },
          [f](caf::error&) mutable { f(std::optional<query_status>{query_status{}}); });
}

// What the writers say, summed: reachable only if every one is.
struct node_status {
  writer_status sum;
  uint32_t restarting = 0; // slots without a writer right now
  uint32_t answered = 0;
};

// Asks each writer in turn how it is, then calls `f` with the sum; a writer
// that does not answer in time counts as restarting.
template <class F>
void ask_writers(self_ptr self, std::shared_ptr<node_status> acc, uint32_t slot, F f) {
  auto& st = self->state;
  if (slot == st.writer_slots.size())
    return f(*acc);
  auto writer = st.writer(slot);
  if (!writer) {
    ++acc->restarting;
    return ask_writers(self, std::move(acc), slot + 1, std::move(f));
  }
  self->request(writer, st.settings.status_timeout, status_atom::value)
    .then(
      [self, acc, slot, f](writer_status& s) mutable {
        auto& sum = acc->sum;
        if (acc->answered++ == 0) {
          sum = std::move(s);
        } else {
          sum.counters += s.counters;
          if (sum.stream_reachable && !s.stream_reachable) {
            sum.stream_reachable = false;
            sum.stream_error = s.stream_error;
          }
          if (sum.database_reachable && !s.database_reachable) {
            sum.database_reachable = false;
            sum.database_error = s.database_error;
          }
        }
        ask_writers(self, std::move(acc), slot + 1, std::move(f));
      },
      [self, acc, slot, f](caf::error&) mutable {
        ++acc->restarting;
        ask_writers(self, std::move(acc), slot + 1, std::move(f));
      });
}

void route(self_ptr self, http_exchange ex) {
  if (answer_plain_status_request(ex))
    return;
  const auto& path = ex.req.path;
  auto acc = std::make_shared<node_status>();
  if (path == "/readyz")
    return ask_writers(self, acc, 0, [self, ex](node_status& n) mutable {
      if (n.restarting > 0)
        return respond_status_error(ex, 503, "a DB writer is restarting");
      const auto& st = self->state;
      if (st.query_server_slot != UINT32_MAX && !st.query_server())
        return respond_status_error(ex, 503,
                                    "the remote read endpoint (query.listen) is restarting");
      if (!n.sum.stream_reachable)
        return respond_status_error(ex, 503, "Valkey is unreachable: " + n.sum.stream_error);
      if (!n.sum.database_reachable)
        return respond_status_error(ex, 503, "PostgreSQL is unreachable: " + n.sum.database_error);
      respond_status(ex, 200, R"({"status":"ready"})");
    });
  ask_writers(self, acc, 0, [self, ex](node_status& n) mutable {
    digest::writer_health health{n.sum.stream_reachable && n.restarting == 0,
                                 n.sum.database_reachable && n.restarting == 0, n.sum.backlog};
    http::reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = digest::render_writer_metrics(n.sum.counters, health,
                                           self->state.writer_slots.size() - n.restarting);
    r.body += "# HELP nodepulse_digest_writer_restarts_total DB writer restarts after one died.\n"
              "# TYPE nodepulse_digest_writer_restarts_total counter\n"
              "nodepulse_digest_writer_restarts_total "
              + std::to_string(self->state.writer_restarts()) + "\n";
    ask_loss_detector(self, [self, ex, r = std::move(r)](const loss_status& s) mutable {
      r.body += digest::render_loss_metrics(s);
      ask_compactor(self, [self, ex, r = std::move(r)](const compaction_status& c) mutable {
        r.body += digest::render_compaction_metrics(c);
        ask_query_server(self, [ex, r = std::move(r)](std::optional<query_status> q) mutable {
          if (q)
            r.body += digest::render_query_metrics(*q);
          ex.done(std::move(r));
        });
      });
    });
  });
}

} // namespace

uint64_t digest_supervisor_state::writer_restarts() const {
  uint64_t n = 0;
  for (auto id : writer_slots)
    if (const auto* s = children.find(id); s && s->incarnations > 1)
      n += s->incarnations - 1;
  return n;
}

digest_supervisor_actor::behavior_type digest_supervisor(self_ptr self,
                                                         digest_supervisor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  bool serving = serve_status_or_quit<digest_supervisor_actor>(
    self, st.settings.serve, st.settings.status, "digest", st.server);
  auto& kids = st.children;
  for (uint32_t i = 0; i < std::max<uint32_t>(1, st.settings.writers); ++i)
    st.writer_slots.push_back(
      kids.add<db_writer_actor>("DB writer " + std::to_string(i), [&st, i](caf::local_actor* self) {
        return st.settings.spawn_writer(self, i);
      }));
  if (st.settings.spawn_loss_detector)
    st.loss_detector_slot =
      kids.add<loss_detector_actor>("loss detector", st.settings.spawn_loss_detector);
  if (st.settings.spawn_compactor)
    st.compactor_slot = kids.add<compactor_actor>("compactor", st.settings.spawn_compactor);
  if (st.settings.spawn_query_server)
    st.query_server_slot =
      kids.add<query_server_actor>("query server", st.settings.spawn_query_server);
  supervise<respawn_atom>(self, kids, serving);
  return {
    [self](respawn_atom, uint32_t id) { self->state.children.respawn(self, id); },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
  };
}

} // namespace nodepulse
