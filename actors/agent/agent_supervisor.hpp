// The AGENT SUPERVISOR: starts the buffer, the pusher and one scraper per
// endpoint, and keeps them running:
//
// - a pusher or scraper that dies is restarted after a backoff in its slot
//   (actors/child_slot.hpp); a new pusher is wired to every scraper;
// - the buffer is the agent's promise not to lose data: if it dies (its WAL
//   directory cannot be used), the supervisor quits with its reason rather
//   than scrape into nothing;
// - stopping stops the scrapers, then the pusher, then the buffer, each
//   after the one before is gone;
// - reload (SIGHUP) asks for the plan again: scrapers of endpoints gone are
//   stopped, new ones started, unchanged ones left alone; the pusher is
//   restarted with the new server settings. The buffer and what it holds
//   are never touched.
//
// Status on status.listen: GET /healthz (200 while running), GET /readyz
// (200 once a push succeeded and the ingest takes pushes, else 503 with the
// reason), GET /metrics (lib/agent/agent_metrics.hpp).
#pragma once

#include "actors/agent/pusher.hpp"
#include "actors/child_slot.hpp"
#include "actors/interfaces.hpp"
#include "lib/agent/metric_filter.hpp"
#include "lib/http/server.hpp"

#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse {

// One endpoint to scrape.
struct scrape_target {
  std::string job;
  std::string url;
  std::chrono::milliseconds interval{15'000};
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds offset{0};
  // The endpoint's rules, compiled; null when it has none.
  std::shared_ptr<const agent::metric_filter> filter;

  bool operator==(const scrape_target& o) const {
    auto rules = [](const scrape_target& t) {
      return t.filter ? t.filter->rules() : std::vector<agent::metric_rule>{};
    };
    return job == o.job && url == o.url && interval == o.interval && timeout == o.timeout
           && offset == o.offset && rules(*this) == rules(o);
  }
};

// What the config says the agent scrapes and where it pushes.
struct agent_plan {
  std::vector<scrape_target> targets;
  pusher_settings pusher;
  // scrapers.discover: each candidate as it is scraped while it answers
  // (empty: discovery is off). Fixed at start; a reload keeps them.
  std::vector<scrape_target> discovery;
};

struct agent_supervisor_settings {
  http::server_settings status;
  bool serve = true; // false: no socket; tests send http_exchange themselves
  std::chrono::milliseconds status_timeout{5'000};
  agent_plan plan;
  // SIGHUP: the plan as the config says now; nullopt keeps the running one
  // (the loader reported why).
  std::function<std::optional<agent_plan>()> reload;
  // How children are spawned: detached in a node, on the test scheduler in tests.
  std::function<buffer_actor(caf::local_actor*)> spawn_buffer;
  std::function<pusher_actor(caf::local_actor*, const pusher_settings&, const buffer_actor&)>
    spawn_pusher;
  std::function<scraper_actor(caf::local_actor*, const scrape_target&, const buffer_actor&,
                              const pusher_actor&)>
    spawn_scraper;
  // The discoverer of plan.discovery; it reports to the supervisor given.
  std::function<discoverer_actor(caf::local_actor*, const std::vector<scrape_target>&,
                                 const agent_supervisor_actor&)>
    spawn_discoverer;
  std::function<int64_t()> now_ms; // wall clock in ms; the system's if empty
};

// A scraper's slot and the endpoint it scrapes.
struct agent_scraper {
  uint32_t slot = 0;
  scrape_target target;
  bool discovered = false; // started by discovery, not by the config
};

struct agent_supervisor_state {
  static inline constexpr const char* name = "agent_supervisor";
  agent_supervisor_settings settings;
  std::unique_ptr<http::server> server; // stopped (threads joined) with the state
  // The buffer first, then the pusher, then the scrapers: stopped the other
  // way round, so the buffer goes last, after everything that writes to it.
  child_slots children;
  uint32_t buffer_slot = 0;
  uint32_t pusher_slot = 0;
  uint32_t discoverer_slot = 0; // valid when plan.discovery is not empty
  std::vector<agent_scraper> scrapers;

  buffer_actor buffer() const { return children.get<buffer_actor>(buffer_slot); }
  pusher_actor pusher() const { return children.get<pusher_actor>(pusher_slot); }
};

// Quits with sec::cannot_open_port (and the reason) when it cannot listen,
// and with the buffer's reason when the buffer dies.
agent_supervisor_actor::behavior_type
agent_supervisor(agent_supervisor_actor::stateful_pointer<agent_supervisor_state> self,
                 agent_supervisor_settings settings);

} // namespace nodepulse
