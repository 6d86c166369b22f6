// A SCRAPER: scrapes one exporter endpoint every interval, at a fixed
// offset into the interval (per host and endpoint, so a fleet does not
// scrape and push in lockstep), with its own timeout. Each scrape becomes
// stamped text (lib/agent/scrape_text.hpp) less what the endpoint's filter
// drops, is appended to the buffer, and once kept is handed to the pusher. An exporter that is down, hangs,
// 500s or answers garbage yields `up 0`; the scraper carries on.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/agent/http_client.hpp"
#include "lib/agent/metric_filter.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nodepulse {

struct scraper_settings {
  std::string job; // the endpoint's name
  std::string url;
  std::chrono::milliseconds interval{15'000};
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds offset{0}; // into each interval
  // What is dropped of each scrape before the buffer; null keeps everything.
  std::shared_ptr<const agent::metric_filter> filter;
  // One GET of the endpoint (the URL, Accept and timeout are the caller's).
  std::function<agent::http_result()> fetch;
  std::function<int64_t()> now_ms; // wall clock in ms; the system's if empty
};

struct scraper_state {
  static inline constexpr const char* name = "scraper";
  scraper_settings settings;
  buffer_actor buffer;
  pusher_actor pusher;
  int64_t next_due_ms = 0;
  scraper_status status;
};

scraper_actor::behavior_type scraper(scraper_actor::stateful_pointer<scraper_state> self,
                                     scraper_settings settings, buffer_actor buffer,
                                     pusher_actor pusher);

// The first time at or after `now_ms` that is `offset_ms` past a multiple
// of `interval_ms` (Unix time).
int64_t next_aligned_ms(int64_t now_ms, int64_t interval_ms, int64_t offset_ms);

} // namespace nodepulse
