// The agent's own metrics, served on GET /metrics of status.listen: scrapes
// by result per job, what the WAL holds and lost, pushes, retries, drops
// and push latency. `nodepulse status` reads them back for its summary.
#pragma once

#include "lib/agent/agent_status.hpp"
#include "lib/wal/buffer_status.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nodepulse::agent {

struct agent_figures {
  buffer_status buffer;
  pusher_status pusher;
  std::vector<scraper_status> scrapers;
  discovery_status discovery; // zeros when scrapers.discover is off
  uint64_t restarts = 0;      // pushers and scrapers restarted after dying
  int64_t now_ms = 0;         // for the age of the oldest buffered scrape
};

std::string render_agent_metrics(const agent_figures& f);

} // namespace nodepulse::agent
