// The ingest node's own metrics, served on GET /metrics in the Prometheus
// text format: what an operator graphs and alerts on.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace nodepulse::http {
struct server_stats;
}

namespace nodepulse::ingest {

// A latency histogram with fixed buckets (seconds), Prometheus style.
struct latency_histogram {
  static constexpr std::array<double, 12> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,  0.1,    0.25,  0.5,
                                                 1,      2.5};
  std::array<uint64_t, bounds.size()> counts{}; // per bucket, not cumulative
  uint64_t count = 0;
  double sum = 0;

  void observe(double seconds);
};

// What the acceptor counts itself; the transport's counters come from the
// server, the stream's from the publisher.
struct ingest_counters {
  uint64_t pushes_prometheus = 0;
  uint64_t pushes_legacy = 0;
  uint64_t samples_accepted = 0;     // published (or acknowledged again)
  uint64_t samples_rejected = 0;     // dropped for their timestamp
  uint64_t parse_errors = 0;         // pushes refused as malformed
  uint64_t duplicate_batches = 0;    // retried X-Batch-Ids acknowledged again
  uint64_t unavailable_answers = 0;  // 503s sent for a missing dependency
  latency_histogram publish_latency; // request to the publisher until its ack
};

// The stream as the publisher last saw it.
struct stream_figures {
  bool reachable = false;
  int64_t backlog = -1; // -1: unknown
  uint64_t published = 0;
};

// The text for GET /metrics. `server` may be null (no socket, in tests).
std::string render_self_metrics(const ingest_counters& counters,
                                const http::server_stats* server,
                                const stream_figures& stream);

} // namespace nodepulse::ingest
