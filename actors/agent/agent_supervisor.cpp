#include "actors/agent/agent_supervisor.hpp"

#include "actors/error_text.hpp"
#include "actors/status_endpoint.hpp"
#include "lib/agent/agent_metrics.hpp"
#include "lib/base/wall_clock.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nodepulse {

namespace {

using self_ptr = agent_supervisor_actor::stateful_pointer<agent_supervisor_state>;

// Tells every scraper which pusher to hand its scrapes to now.
void wire_scrapers(self_ptr self) {
  const auto& st = self->state;
  auto pusher = st.pusher();
  for (const auto& s : st.scrapers)
    if (auto scraper = st.children.get<scraper_actor>(s.slot))
      self->send(scraper, wire_atom::value, pusher);
}

void add_scraper(self_ptr self, const scrape_target& target, bool discovered = false) {
  auto& st = self->state;
  auto slot =
    st.children.add<scraper_actor>("scraper " + target.job, [&st, target](caf::local_actor* self) {
      return st.settings.spawn_scraper(self, target, st.buffer(), st.pusher());
    });
  st.scrapers.push_back({slot, target, discovered});
  st.children.start(self, slot);
}

// The discoverer says candidate `index` answers (or no longer does).
void on_discovered(self_ptr self, uint32_t index, bool present) {
  auto& st = self->state;
  if (index >= st.settings.plan.discovery.size())
    return;
  const auto& target = st.settings.plan.discovery[index];
  auto it = std::find_if(st.scrapers.begin(), st.scrapers.end(), [&](const agent_scraper& s) {
    return s.discovered && s.target == target;
  });
  if (present && it == st.scrapers.end()) {
    add_scraper(self, target, true);
  } else if (!present && it != st.scrapers.end()) {
    st.children.remove(self, it->slot);
    st.scrapers.erase(it);
  }
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
  size_t removed = 0;
  size_t added = 0;
  for (auto it = st.scrapers.begin(); it != st.scrapers.end();) {
    if (it->discovered
        || std::find(plan->targets.begin(), plan->targets.end(), it->target)
             != plan->targets.end()) {
      ++it;
      continue;
    }
    st.children.remove(self, it->slot);
    it = st.scrapers.erase(it);
    ++removed;
  }
  plan->discovery = std::move(st.settings.plan.discovery); // fixed at start
  st.settings.plan = std::move(*plan);
  // New server settings; the buffer keeps what it holds.
  st.children.stop(self, st.pusher_slot);
  st.children.start(self, st.pusher_slot);
  wire_scrapers(self);
  for (const auto& t : st.settings.plan.targets) {
    bool running = std::any_of(st.scrapers.begin(), st.scrapers.end(), [&](const agent_scraper& s) {
      return !s.discovered && s.target == t;
    });
    if (!running) {
      add_scraper(self, t);
      ++added;
    }
  }
  spdlog::info("agent: config reloaded: {} endpoints ({} added, {} removed), pusher restarted",
               st.scrapers.size(), added, removed);
}

// Asks the buffer, the pusher and each scraper in turn how they are, then
// calls `f` with the figures; `complete` false when a child did not answer.
struct gathered {
  agent::agent_figures figures;
  bool buffer_answered = false;
  bool pusher_answered = false;
};

template <class F>
void ask_discoverer(self_ptr self, std::shared_ptr<gathered> acc, F f) {
  const auto& st = self->state;
  auto discoverer = st.settings.plan.discovery.empty()
                      ? discoverer_actor{}
                      : st.children.get<discoverer_actor>(st.discoverer_slot);
  if (!discoverer)
    return f(*acc);
  self->request(discoverer, st.settings.status_timeout, status_atom::value)
    .then(
      [acc, f](discovery_status& s) mutable {
        acc->figures.discovery = s;
        f(*acc);
      },
      [acc, f](caf::error&) mutable { f(*acc); });
}

template <class F>
void ask_scrapers(self_ptr self, std::shared_ptr<gathered> acc, size_t i, F f) {
  const auto& st = self->state;
  if (i == st.scrapers.size())
    return ask_discoverer(self, std::move(acc), std::move(f));
  auto actor = st.children.get<scraper_actor>(st.scrapers[i].slot);
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
  acc->figures.restarts = st.children.restarts();
  acc->figures.now_ms = wall_clock_ms(st.settings.now_ms);
  auto after_pusher = [self, acc, f]() mutable { ask_scrapers(self, acc, 0, std::move(f)); };
  auto ask_pusher = [self, acc, after_pusher]() mutable {
    auto pusher = self->state.pusher();
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
  self->request(st.buffer(), st.settings.status_timeout, status_atom::value)
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

agent_supervisor_actor::behavior_type agent_supervisor(self_ptr self,
                                                       agent_supervisor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  bool serving = serve_status_or_quit<agent_supervisor_actor>(
    self, st.settings.serve, st.settings.status, "agent", st.server);
  auto& kids = st.children;
  st.buffer_slot = kids.add<buffer_actor>("buffer", st.settings.spawn_buffer);
  st.pusher_slot = kids.add<pusher_actor>("pusher", [&st](caf::local_actor* self) {
    return st.settings.spawn_pusher(self, st.settings.plan.pusher, st.buffer());
  });
  if (!st.settings.plan.discovery.empty())
    st.discoverer_slot = kids.add<discoverer_actor>("discoverer", [self](caf::local_actor* ctx) {
      auto& st = self->state;
      return st.settings.spawn_discoverer(ctx, st.settings.plan.discovery,
                                          caf::actor_cast<agent_supervisor_actor>(self));
    });
  if (serving) {
    kids.start_all(self);
    for (const auto& t : st.settings.plan.targets)
      add_scraper(self, t);
  }
  kids.stop_with_supervisor(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto* slot = st.children.on_down(msg);
    if (slot == nullptr)
      return; // an old incarnation, or stopping
    if (slot->id == st.buffer_slot) {
      auto why = msg.reason ? error_text(self->system(), msg.reason) : std::string{"it stopped"};
      spdlog::error("agent: the buffer died ({}); stopping", why);
      return st.children.stop_all(caf::exit_reason::user_shutdown, [self, why] {
        self->quit(caf::make_error(caf::sec::runtime_error, why));
      });
    }
    spdlog::error("agent: the {} died ({}); restarting it", slot->name,
                  self->system().render(msg.reason));
    self->delayed_send(self, child_slots::backoff(*slot), respawn_atom::value, slot->id);
  });
  return {
    [self](respawn_atom, uint32_t id) {
      if (self->state.children.respawn(self, id) && id == self->state.pusher_slot)
        wire_scrapers(self);
    },
    [self](reload_atom) { reload(self); },
    [self](discovered_atom, uint32_t index, bool present) { on_discovered(self, index, present); },
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
  };
}

} // namespace nodepulse
