#include "actors/digest/digest_supervisor.hpp"

#include "actors/status_endpoint.hpp"
#include "runtime/node/restart_backoff.hpp"
#include "runtime/prom/metrics_text.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <algorithm>

namespace nodepulse {

namespace {

using self_ptr = digest_supervisor_actor::stateful_pointer<digest_supervisor_state>;

void start_writer(self_ptr self, uint32_t slot) {
  auto& st = self->state;
  auto& writer = (*st.writers)[slot];
  writer = st.settings.spawn_writer(self, slot);
  self->monitor(writer);
}

void start_loss_detector(self_ptr self) {
  auto& detector = *self->state.loss_detector;
  detector = self->state.settings.spawn_loss_detector(self);
  self->monitor(detector);
}

// What the loss detector says (all zero without one, or when it does not
// answer in time).
template <class F>
void ask_loss_detector(self_ptr self, F f) {
  const auto& detector = *self->state.loss_detector;
  if (!detector)
    return f(loss_status{});
  self->request(detector, self->state.settings.status_timeout, status_atom::value)
    .then([f](loss_status& s) mutable { f(s); },
          [f](caf::error&) mutable { f(loss_status{}); });
}

std::string render_loss_metrics(const loss_status& s) {
  prom::metrics_text t;
  t.one("nodepulse_digest_loss_passes_total", "counter",
        "Loss detection passes that reached PostgreSQL.", static_cast<double>(s.passes));
  t.one("nodepulse_digest_loss_ranges_total", "counter",
        "Gaps in an agent epoch's batch sequences recorded as lost (admiral.batch_losses).",
        static_cast<double>(s.loss_ranges));
  t.one("nodepulse_digest_batches_lost_total", "counter",
        "Batches in those gaps: pushes that never reached PostgreSQL.",
        static_cast<double>(s.batches_lost));
  t.one("nodepulse_digest_agent_drop_ranges_total", "counter",
        "Gaps the agents' own WAL caps made (retention, size), as their X-Agent-Dropped says.",
        static_cast<double>(s.agent_drop_ranges));
  t.one("nodepulse_digest_batches_dropped_by_agents_total", "counter",
        "Batches in those gaps: dropped by an agent before it could push them.",
        static_cast<double>(s.batches_dropped_by_agents));
  t.one("nodepulse_digest_wal_epochs_new_total", "counter",
        "Agent WAL epochs that followed an earlier one of the same server (WAL wiped or cut).",
        static_cast<double>(s.new_epochs));
  return t.take();
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
  if (slot == st.writers->size())
    return f(*acc);
  const auto& writer = (*st.writers)[slot];
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
    return ask_writers(self, acc, 0, [ex](node_status& n) mutable {
      if (n.restarting > 0)
        return respond_status_error(ex, 503, "a DB writer is restarting");
      if (!n.sum.stream_reachable)
        return respond_status_error(ex, 503, "Valkey is unreachable: " + n.sum.stream_error);
      if (!n.sum.database_reachable)
        return respond_status_error(ex, 503, "PostgreSQL is unreachable: " + n.sum.database_error);
      respond_status(ex, 200, R"({"status":"ready"})");
    });
  ask_writers(self, acc, 0, [self, ex](node_status& n) mutable {
    digest::writer_health health{n.sum.stream_reachable && n.restarting == 0,
                                 n.sum.database_reachable && n.restarting == 0,
                                 n.sum.backlog};
    http::reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = digest::render_writer_metrics(n.sum.counters, health,
                                           self->state.writers->size() - n.restarting);
    r.body += "# HELP nodepulse_digest_writer_restarts_total DB writer restarts after one died.\n"
              "# TYPE nodepulse_digest_writer_restarts_total counter\n"
              "nodepulse_digest_writer_restarts_total "
              + std::to_string(self->state.restarts) + "\n";
    ask_loss_detector(self, [ex, r = std::move(r)](const loss_status& s) mutable {
      r.body += render_loss_metrics(s);
      ex.done(std::move(r));
    });
  });
}

} // namespace

digest_supervisor_actor::behavior_type
digest_supervisor(self_ptr self, digest_supervisor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  if (st.settings.serve) {
    std::string error;
    st.server = start_status_server<digest_supervisor_actor>(st.settings.status,
                                                             self->address(), "digest", error);
    if (!st.server)
      self->quit(caf::make_error(caf::sec::cannot_open_port, error));
  }
  st.writers->resize(std::max<uint32_t>(1, st.settings.writers));
  st.deaths.assign(st.writers->size(), 0);
  if (!st.settings.serve || st.server) {
    for (uint32_t slot = 0; slot < st.writers->size(); ++slot)
      start_writer(self, slot);
    if (st.settings.spawn_loss_detector)
      start_loss_detector(self);
  }
  // Monitored, not linked (a link would carry a writer's death here): so
  // whichever incarnations run are stopped explicitly with the node.
  self->attach_functor([writers = st.writers, detector = st.loss_detector] {
    for (auto& w : *writers)
      if (w)
        caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    if (*detector)
      caf::anon_send_exit(*detector, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto& detector = *st.loss_detector;
    if (detector && detector.address() == msg.source) {
      detector = nullptr;
      ++st.loss_detector_deaths;
      self->delayed_send(self, restart_backoff(st.loss_detector_deaths), respawn_atom::value,
                         loss_detector_slot);
      return;
    }
    for (uint32_t slot = 0; slot < st.writers->size(); ++slot) {
      auto& w = (*st.writers)[slot];
      if (!w || w.address() != msg.source)
        continue;
      w = nullptr;
      ++st.deaths[slot];
      self->delayed_send(self, restart_backoff(st.deaths[slot]), respawn_atom::value, slot);
    }
  });
  return {
    [self](respawn_atom, uint32_t slot) {
      auto& st = self->state;
      if (slot == loss_detector_slot) {
        if (!*st.loss_detector)
          start_loss_detector(self);
        return;
      }
      if (slot >= st.writers->size() || (*st.writers)[slot])
        return;
      ++st.restarts;
      start_writer(self, slot);
    },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
  };
}

} // namespace nodepulse
