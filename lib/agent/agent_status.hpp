// What the agent's scrapers and pusher report, for its /metrics and /readyz
// (local only, never serialized).
#pragma once

#include "lib/prom/metrics_text.hpp"

#include <cstdint>
#include <string>

namespace nodepulse {

// How one scraper is doing, for the agent's /metrics. Local only.
struct scraper_status {
  std::string job;
  std::string url;
  uint64_t up = 0;        // scrapes that got metrics
  uint64_t down = 0;      // scrapes that got none (refused, timeout, HTTP error, garbage)
  uint64_t not_kept = 0;  // scrapes the buffer could not keep
  uint64_t bad_lines = 0; // malformed lines skipped
  uint64_t samples = 0;   // samples kept, summed over scrapes
  uint64_t dropped = 0;   // samples the endpoint's metric_relabel_configs dropped
  bool last_up = false;
  std::string last_problem;
};

// What discovery (scrapers.discover) found, for the agent's /metrics.
struct discovery_status {
  uint32_t candidates = 0; // loopback ports probed
  uint32_t present = 0;    // of them, answering with Prometheus text now
  uint64_t answered = 0;   // probes that found an exporter
  uint64_t silent = 0;     // probes that found none (refused, timeout, not Prometheus text)
  uint64_t appeared = 0;   // exporters found (also found again after going)
  uint64_t gone = 0;       // exporters that stopped answering and are no longer scraped
};

// How the pusher is doing, for the agent's /metrics and /readyz. Local only.
struct pusher_status {
  uint64_t pushed = 0;       // batches the ingest accepted (2xx)
  uint64_t pushed_fresh = 0; // of them, sent as soon as scraped
  uint64_t pushed_bytes = 0; // request bodies as sent (compressed)
  uint64_t retries = 0;      // failed attempts that will be retried (5xx, 429, network)
  uint64_t dropped = 0;      // batches refused for good (4xx but 429)
  uint32_t failures_in_row = 0;
  uint64_t acknowledged = 0;                       // the buffer sequence acknowledged up to
  std::string last_error;                          // of the last failed attempt
  prom::histogram latency{prom::latency_bounds()}; // of successful pushes
};

} // namespace nodepulse
