// The DISCOVERER (scrapers.discover): every interval, probes each candidate
// exporter on this host's loopback (the well-known ports and the operator's
// own) and tells the supervisor when one starts answering Prometheus text
// (it is then scraped like a configured endpoint) and when one has not
// answered for `misses_before_gone` probes in a row (its scraper stops; the
// scrapes it missed meanwhile pushed `up 0`). Each change is logged and
// counted. The first round reports every candidate, so a restarted
// discoverer and the supervisor agree again.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/agent/http_client.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nodepulse {

struct discoverer_settings {
  struct candidate {
    std::string job;
    std::string url;
  };
  std::vector<candidate> candidates;
  std::chrono::milliseconds interval{60'000};
  uint32_t misses_before_gone = 2;
  // One GET of `url` with the scrape's Accept and a short timeout.
  std::function<agent::http_result(const std::string& url)> probe;
};

struct discoverer_state {
  static inline constexpr const char* name = "discoverer";
  discoverer_settings settings;
  agent_supervisor_actor supervisor;
  struct seen {
    bool reported = false; // told the supervisor at least once
    bool present = false;
    uint32_t misses = 0;
  };
  std::vector<seen> candidates;
  discovery_status status;
};

discoverer_actor::behavior_type
discoverer(discoverer_actor::stateful_pointer<discoverer_state> self, discoverer_settings settings,
           agent_supervisor_actor supervisor);

} // namespace nodepulse
