#include "actors/agent/agent_supervisor.hpp"

#include "actors/error_text.hpp"
#include "actors/status_endpoint.hpp"
#include "runtime/agent/agent_metrics.hpp"
#include "runtime/node/restart_backoff.hpp"
#include "runtime/node/wall_clock.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nodepulse {

namespace {

using self_ptr = agent_supervisor_actor::stateful_pointer<agent_supervisor_state>;

constexpr uint32_t pusher_id = 0;

void start_pusher(self_ptr self) {
  auto& st = self->state;
  auto& kids = *st.children;
  kids.pusher = st.settings.spawn_pusher(self, st.settings.plan.pusher, kids.buffer);
  self->monitor(kids.pusher);
  for (auto& s : kids.scrapers)
    if (s.actor)
      self->send(s.actor, wire_atom::value, kids.pusher);
}

void start_scraper(self_ptr self, agent_scraper_slot& slot) {
  auto& st = self->state;
  auto& kids = *st.children;
  slot.actor = st.settings.spawn_scraper(self, slot.target, kids.buffer, kids.pusher);
  self->monitor(slot.actor);
}

void add_scraper(self_ptr self, const scrape_target& target) {
  auto& kids = *self->state.children;
  agent_scraper_slot slot;
  slot.id = self->state.next_id++;
  slot.target = target;
  kids.scrapers.push_back(std::move(slot));
  start_scraper(self, kids.scrapers.back());
}

template <class Handle>
void stop_child(self_ptr self, Handle& h) {
  if (!h)
    return;
  self->demonitor(h.address());
  self->send_exit(h, caf::exit_reason::user_shutdown);
  h = nullptr;
}

void reload(self_ptr self) {
  auto& st = self->state;
  if (!st.settings.reload)
    return;
  auto plan = st.settings.reload();
  if (!plan) {
    spdlog::error("agent: reload refused, the running config stays");
    return;
  }
  auto& kids = *st.children;
  size_t removed = 0;
  size_t added = 0;
  for (auto it = kids.scrapers.begin(); it != kids.scrapers.end();) {
    if (std::find(plan->targets.begin(), plan->targets.end(), it->target)
        != plan->targets.end()) {
      ++it;
      continue;
    }
    stop_child(self, it->actor);
    it = kids.scrapers.erase(it);
    ++removed;
  }
  st.settings.plan = std::move(*plan);
  stop_child(self, kids.pusher); // new server settings; the buffer keeps what it holds
  start_pusher(self);
  for (const auto& t : st.settings.plan.targets) {
    bool running = std::any_of(kids.scrapers.begin(), kids.scrapers.end(),
                               [&](const agent_scraper_slot& s) { return s.target == t; });
    if (!running) {
      add_scraper(self, t);
      ++added;
    }
  }
  spdlog::info("agent: config reloaded: {} endpoints ({} added, {} removed), pusher restarted",
               kids.scrapers.size(), added, removed);
}

// Asks the buffer, the pusher and each scraper in turn how they are, then
// calls `f` with the figures; `complete` false when a child did not answer.
struct gathered {
  agent::agent_figures figures;
  bool buffer_answered = false;
  bool pusher_answered = false;
};

template <class F>
void ask_scrapers(self_ptr self, std::shared_ptr<gathered> acc, size_t i, F f) {
  auto& kids = *self->state.children;
  if (i == kids.scrapers.size())
    return f(*acc);
  const auto& actor = kids.scrapers[i].actor;
  if (!actor)
    return ask_scrapers(self, std::move(acc), i + 1, std::move(f));
  self->request(actor, self->state.settings.status_timeout, status_atom::value)
    .then(
      [self, acc, i, f](scraper_status& s) mutable {
        acc->figures.scrapers.push_back(std::move(s));
        ask_scrapers(self, std::move(acc), i + 1, std::move(f));
      },
      [self, acc, i, f](caf::error&) mutable {
        ask_scrapers(self, std::move(acc), i + 1, std::move(f));
      });
}

template <class F>
void gather(self_ptr self, F f) {
  auto& st = self->state;
  auto acc = std::make_shared<gathered>();
  acc->figures.restarts = st.restarts;
  acc->figures.now_ms = wall_clock_ms(st.settings.now_ms);
  auto after_pusher = [self, acc, f]() mutable { ask_scrapers(self, acc, 0, std::move(f)); };
  auto ask_pusher = [self, acc, after_pusher]() mutable {
    const auto& pusher = self->state.children->pusher;
    if (!pusher)
      return after_pusher();
    self->request(pusher, self->state.settings.status_timeout, status_atom::value)
      .then(
        [acc, after_pusher](pusher_status& s) mutable {
          acc->figures.pusher = std::move(s);
          acc->pusher_answered = true;
          after_pusher();
        },
        [after_pusher](caf::error&) mutable { after_pusher(); });
  };
  self->request(st.children->buffer, st.settings.status_timeout, status_atom::value)
    .then(
      [acc, ask_pusher](buffer_status& s) mutable {
        acc->figures.buffer = s;
        acc->buffer_answered = true;
        ask_pusher();
      },
      [ask_pusher](caf::error&) mutable { ask_pusher(); });
}

void route(self_ptr self, http_exchange ex) {
  if (answer_plain_status_request(ex))
    return;
  const auto& path = ex.req.path;
  if (path == "/readyz")
    return gather(self, [ex](gathered& g) mutable {
      const auto& p = g.figures.pusher;
      if (!g.buffer_answered)
        return respond_status_error(ex, 503, "the buffer does not answer");
      if (!g.pusher_answered)
        return respond_status_error(ex, 503, "the pusher is restarting");
      if (p.failures_in_row > 0)
        return respond_status_error(ex, 503, "the ingest does not take pushes: " + p.last_error);
      if (p.pushed == 0)
        return respond_status_error(ex, 503, "no push has succeeded yet");
      respond_status(ex, 200, R"({"status":"ready"})");
    });
  gather(self, [ex](gathered& g) mutable {
    http::reply r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = agent::render_agent_metrics(g.figures);
    ex.done(std::move(r));
  });
}

} // namespace

agent_supervisor_actor::behavior_type
agent_supervisor(self_ptr self, agent_supervisor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  if (st.settings.serve) {
    std::string error;
    st.server = start_status_server<agent_supervisor_actor>(st.settings.status,
                                                            self->address(), "agent", error);
    if (!st.server)
      self->quit(caf::make_error(caf::sec::cannot_open_port, error));
  }
  if (!st.settings.serve || st.server) {
    auto& kids = *st.children;
    kids.buffer = st.settings.spawn_buffer(self);
    self->monitor(kids.buffer);
    start_pusher(self);
    for (const auto& t : st.settings.plan.targets)
      add_scraper(self, t);
  }
  // Monitored, not linked (a link would carry a child's death here): so
  // whichever incarnations run are stopped explicitly with the node; the
  // buffer last, after those that write to it.
  self->attach_functor([kids = st.children] {
    for (auto& s : kids->scrapers)
      if (s.actor)
        caf::anon_send_exit(s.actor, caf::exit_reason::user_shutdown);
    if (kids->pusher)
      caf::anon_send_exit(kids->pusher, caf::exit_reason::user_shutdown);
    if (kids->buffer)
      caf::anon_send_exit(kids->buffer, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto& kids = *st.children;
    if (kids.buffer && msg.source == kids.buffer.address()) {
      kids.buffer = nullptr;
      auto why = msg.reason ? error_text(self->system(), msg.reason) : std::string{"it stopped"};
      spdlog::error("agent: the buffer died ({}); stopping", why);
      return self->quit(caf::make_error(caf::sec::runtime_error, why));
    }
    if (kids.pusher && msg.source == kids.pusher.address()) {
      kids.pusher = nullptr;
      ++st.pusher_deaths;
      spdlog::error("agent: the pusher died ({}); restarting it",
                    self->system().render(msg.reason));
      self->delayed_send(self, restart_backoff(st.pusher_deaths), respawn_atom::value,
                         pusher_id);
      return;
    }
    for (auto& s : kids.scrapers) {
      if (!s.actor || s.actor.address() != msg.source)
        continue;
      s.actor = nullptr;
      ++s.deaths;
      spdlog::error("agent: scraper {} died ({}); restarting it", s.target.job,
                    self->system().render(msg.reason));
      self->delayed_send(self, restart_backoff(s.deaths), respawn_atom::value, s.id);
    }
  });
  return {
    [self](respawn_atom, uint32_t id) {
      auto& st = self->state;
      auto& kids = *st.children;
      if (id == pusher_id) {
        if (kids.pusher)
          return;
        ++st.restarts;
        return start_pusher(self);
      }
      for (auto& s : kids.scrapers)
        if (s.id == id && !s.actor) {
          ++st.restarts;
          start_scraper(self, s);
        }
    },
    [self](reload_atom) { reload(self); },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
  };
}

} // namespace nodepulse
