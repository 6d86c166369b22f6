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
  uint64_t loss_ranges = 0;               // gaps recorded in admiral.batch_losses
  uint64_t batches_lost = 0;              // batches in them
  uint64_t agent_drop_ranges = 0;         // gaps the agents' own caps made
  uint64_t batches_dropped_by_agents = 0; // batches in them
  uint64_t epochs = 0;                    // agent WAL epochs seen for the first time
  uint64_t new_epochs = 0;                // of those, a server's second or later
  bool database_reachable = false;
  std::string error;
};

} // namespace nodepulse
