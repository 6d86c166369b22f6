// The digest's own metrics, served on GET /metrics: what an operator graphs
// (rows/s is rate(nodepulse_digest_rows_total)) and alerts on (lag, pending,
// dead letters, failures).
#pragma once

#include "lib/digest/writer_ports.hpp"
#include "lib/prom/metrics_text.hpp"

#include <cstdint>
#include <string>

namespace nodepulse::digest {

struct writer_counters {
  uint64_t rows = 0;               // samples committed
  uint64_t entries = 0;            // stream entries committed
  uint64_t transactions = 0;       // commits
  uint64_t duplicates = 0;         // entries whose batch id was committed before: skipped
  uint64_t too_old = 0;            // samples older than the retention: skipped
  uint64_t dead_lettered = 0;      // entries moved to the dead-letter stream
  uint64_t rejected = 0;           // entry writes PostgreSQL refused (retried, then DLQ)
  uint64_t database_failures = 0;  // PostgreSQL unreachable or lost
  uint64_t stream_failures = 0;    // Valkey unreachable or erring
  uint64_t claimed = 0;            // entries taken over from an idle consumer
  uint64_t partitions_ensured = 0; // hot partitions made or found
  uint64_t series_looked_up = 0;   // series the cache did not have: asked of the catalogue
  uint64_t retention_runs = 0;
  uint64_t stream_vanished = 0; // the stream or group was gone when Valkey came back
  prom::histogram commit_seconds{prom::latency_bounds()}; // BEGIN .. COMMIT
  prom::histogram rows_per_commit{{10, 100, 1'000, 5'000, 10'000, 50'000, 100'000, 500'000}};
  // XADD (the entry id's time) to COMMIT, per entry.
  prom::histogram lag_seconds{{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}};

  // Adds another writer's counts (a node with several writers reports one sum).
  writer_counters& operator+=(const writer_counters& other);
};

struct writer_health {
  bool stream_reachable = false;
  bool database_reachable = false;
  backlog_figures backlog;
};

// `writers` is how many writers the figures are summed over.
std::string render_writer_metrics(const writer_counters& c, const writer_health& h,
                                  size_t writers = 1);

} // namespace nodepulse::digest
