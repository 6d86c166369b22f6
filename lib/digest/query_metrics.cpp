#include "lib/digest/query_metrics.hpp"

#include "lib/prom/metrics_text.hpp"

namespace nodepulse::digest {

std::string render_query_metrics(const query_status& s) {
  prom::metrics_text t;
  t.one("nodepulse_digest_query_serving", "gauge",
        "1 when the remote read endpoint listens on query.listen.", s.serving ? 1 : 0);
  t.family("nodepulse_digest_query_requests_total", "counter",
           "Remote read requests answered, by outcome.");
  auto outcome = [&](const char* name, uint64_t n) {
    t.sample(std::string{"nodepulse_digest_query_requests_total{outcome=\""} + name + "\"}",
             static_cast<double>(n));
  };
  outcome("served", s.served);
  outcome("invalid", s.invalid);
  outcome("over_limit", s.over_limit);
  outcome("timed_out", s.timed_out);
  outcome("unavailable", s.unavailable);
  outcome("unauthorized", s.unauthorized);
  t.one("nodepulse_digest_query_in_flight", "gauge", "Remote read requests being answered now.",
        static_cast<double>(s.in_flight));
  t.one("nodepulse_digest_query_workers", "gauge", "Query workers (PostgreSQL connections).",
        static_cast<double>(s.workers));
  t.histogram_family("nodepulse_digest_query_seconds",
                     "Time from a remote read request to its answer.", s.seconds);
  return t.take();
}

} // namespace nodepulse::digest
