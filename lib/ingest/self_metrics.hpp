// The ingest node's own metrics, served on GET /metrics in the Prometheus
// text format: what an operator graphs and alerts on.
#pragma once

#include "lib/prom/metrics_text.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace nodepulse::http {
struct server_stats;
}

namespace nodepulse::ingest {

// What the acceptor counts itself; the transport's counters come from the
// server, the stream's from the publisher.
struct ingest_counters {
  uint64_t pushes_prometheus = 0;
  uint64_t pushes_legacy = 0;
  uint64_t pushes_remote_write = 0;
  uint64_t remote_write_metadata = 0;           // metadata entries taken
  uint64_t remote_write_histograms_dropped = 0; // native histogram samples, not stored
  uint64_t remote_write_exemplars_dropped = 0;
  uint64_t samples_accepted = 0;      // published (or acknowledged again)
  uint64_t samples_rejected = 0;      // dropped for their timestamp
  uint64_t parse_errors = 0;          // pushes refused as malformed
  uint64_t duplicate_batches = 0;     // retried X-Batch-Ids acknowledged again
  uint64_t unavailable_answers = 0;   // 503s sent for a missing dependency
  uint64_t token_lookups_limited = 0; // 429s: an address's unknown tokens over its rate
  // Request to the publisher until its ack, in seconds.
  prom::histogram publish_latency{prom::latency_bounds()};
};

// The stream as the publisher last saw it.
struct stream_figures {
  bool reachable = false;
  int64_t backlog = -1; // -1: unknown
  uint64_t published = 0;
  bool durable = false;             // keeps acknowledged pushes through a crash
  uint64_t refused_not_durable = 0; // pushes refused because it does not
};

// The text for GET /metrics. `server` may be null (no socket, in tests).
std::string render_self_metrics(const ingest_counters& counters, const http::server_stats* server,
                                const stream_figures& stream);

} // namespace nodepulse::ingest
