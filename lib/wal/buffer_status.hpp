// What the agent's buffer (the WAL, or its memory stand-in) holds and lost,
// for the agent's /metrics, its pushes' X-Agent-Dropped and `nodepulse status`.
#pragma once

#include <cstdint>
#include <string>

namespace nodepulse {

// What the buffer holds and what it lost, for the agent's /metrics.
struct buffer_status {
  bool durable = true;       // a WAL on disk (buffer.enabled), else memory only
  uint64_t epoch = 0;        // with a sequence, names a scrape for good
  uint64_t acknowledged = 0; // every sequence up to here was delivered
  uint64_t records = 0;      // not yet acknowledged
  uint64_t bytes = 0;
  int64_t oldest_time_ms = 0;
  uint64_t dropped_retention = 0;
  uint64_t dropped_size = 0;
  uint64_t dropped_through = 0; // of this epoch (wal::stats::dropped_through)
  uint64_t truncated_tail = 0;
  uint64_t skipped_corrupt = 0;
  uint64_t write_failures = 0;
};

} // namespace nodepulse
