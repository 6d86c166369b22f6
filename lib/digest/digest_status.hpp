// What the digest's DB writers and loss detector report, for its /readyz and
// /metrics (local only: the supervisor sums them, nothing serializes them).
#pragma once

#include "lib/digest/writer_metrics.hpp"

#include <cstdint>
#include <string>

namespace nodepulse {

// How one DB writer is doing, for the digest's /readyz and /metrics. Local
// only (the supervisor sums its writers' counters), so never serialized.
struct writer_status {
  bool stream_reachable = false;
  bool database_reachable = false;
  std::string stream_error;   // the last Valkey failure, while unreachable
  std::string database_error; // the last PostgreSQL failure, while unreachable
  digest::backlog_figures backlog;
  digest::writer_counters counters;
};

// What the loss detector has found since it started, for /metrics.
struct loss_status {
  uint64_t passes = 0;                    // detection passes that reached PostgreSQL
  uint64_t failures = 0;                  // passes PostgreSQL did not answer
  uint64_t skipped = 0;                   // passes not run: Valkey did not answer
  int64_t settle_seconds = -1;            // how long a gap had to stay open, last pass
  uint64_t loss_ranges = 0;               // gaps recorded in admiral.batch_losses
  uint64_t batches_lost = 0;              // batches in them
  uint64_t agent_drop_ranges = 0;         // gaps the agents' own caps made
  uint64_t batches_dropped_by_agents = 0; // batches in them
  uint64_t epochs = 0;                    // agent WAL epochs seen for the first time
  uint64_t new_epochs = 0;                // of those, a server's second or later
  bool database_reachable = false;
  bool stream_reachable = false;
  std::string error;
};

// What the remote read endpoint has answered since it started, for
// /metrics: requests by outcome, what it served, and how long it took.
struct query_status {
  bool serving = false; // listening on query.listen
  uint64_t served = 0;
  uint64_t invalid = 0;      // 400: not a ReadRequest, a bad matcher
  uint64_t over_limit = 0;   // 400: more series, samples or range than allowed
  uint64_t timed_out = 0;    // 503: cancelled by query.timeout
  uint64_t unavailable = 0;  // 503: PostgreSQL unreachable, or every worker busy
  uint64_t unauthorized = 0; // 401
  uint64_t series_served = 0;
  uint64_t samples_served = 0;
  uint32_t in_flight = 0;
  uint32_t workers = 0;
  prom::histogram seconds{prom::latency_bounds()}; // request to answer
};

// What the compactor has done since it started, for /metrics and the log.
struct compaction_status {
  uint64_t runs = 0;      // runs that took the lock and finished
  uint64_t runs_busy = 0; // timer ticks that found another compaction running
  uint64_t failures = 0;  // runs cut short by PostgreSQL (what was left stays hot)
  uint64_t samples_moved = 0;
  uint64_t blocks_written = 0;
  uint64_t blocks_merged = 0; // blocks rewritten with samples that came late
  uint64_t partitions_dropped = 0;
  bool running = false;
  uint64_t steps_done = 0; // of the run under way
  uint64_t steps_total = 0;
  double last_run_seconds = 0;
  int64_t last_cutoff_ms = 0; // the `before` of the last finished run
  bool database_reachable = true;
  std::string error;
};

} // namespace nodepulse
