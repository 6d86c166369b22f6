#include "runtime/ingest/self_metrics.hpp"

#include "runtime/http/server.hpp"

#include <cstdio>

namespace nodepulse::ingest {

void latency_histogram::observe(double seconds) {
  size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i])
    ++i;
  if (i < bounds.size())
    ++counts[i];
  ++count;
  sum += seconds;
}

namespace {

class text_out {
public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(const std::string& name_and_labels, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    out_ += name_and_labels;
    out_ += ' ';
    out_ += buf;
    out_ += '\n';
  }

  void one(const char* name, const char* type, const char* help, double value) {
    family(name, type, help);
    sample(name, value);
  }

  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

} // namespace

std::string render_self_metrics(const ingest_counters& c,
                                const http::server_stats* server,
                                const stream_figures& stream) {
  text_out t;
  t.family("nodepulse_ingest_pushes_total", "counter", "Pushes received, by endpoint.");
  t.sample("nodepulse_ingest_pushes_total{endpoint=\"/metrics/prometheus\"}",
           static_cast<double>(c.pushes_prometheus));
  t.sample("nodepulse_ingest_pushes_total{endpoint=\"/metrics\"}",
           static_cast<double>(c.pushes_legacy));
  t.one("nodepulse_ingest_samples_accepted_total", "counter",
        "Samples accepted into the stream.", static_cast<double>(c.samples_accepted));
  t.one("nodepulse_ingest_samples_rejected_total", "counter",
        "Samples dropped for a timestamp too far in the future.",
        static_cast<double>(c.samples_rejected));
  t.one("nodepulse_ingest_parse_errors_total", "counter",
        "Pushes refused because their body did not parse.",
        static_cast<double>(c.parse_errors));
  t.one("nodepulse_ingest_duplicate_batches_total", "counter",
        "Retried batches acknowledged again without being stored twice.",
        static_cast<double>(c.duplicate_batches));
  t.one("nodepulse_ingest_unavailable_total", "counter",
        "Pushes answered 503 because a dependency was down or full.",
        static_cast<double>(c.unavailable_answers));

  const auto& h = c.publish_latency;
  t.family("nodepulse_ingest_publish_latency_seconds", "histogram",
           "Time from handing a push to the stream publisher to its answer.");
  uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    std::snprintf(le, sizeof le, "%g", h.bounds[i]);
    t.sample(std::string{"nodepulse_ingest_publish_latency_seconds_bucket{le=\""} + le
               + "\"}",
             static_cast<double>(cumulative));
  }
  t.sample("nodepulse_ingest_publish_latency_seconds_bucket{le=\"+Inf\"}",
           static_cast<double>(h.count));
  t.sample("nodepulse_ingest_publish_latency_seconds_sum", h.sum);
  t.sample("nodepulse_ingest_publish_latency_seconds_count", static_cast<double>(h.count));

  t.one("nodepulse_ingest_stream_reachable", "gauge",
        "1 when the last probe of Valkey succeeded.", stream.reachable ? 1 : 0);
  t.one("nodepulse_ingest_stream_backlog", "gauge",
        "Entries in the stream (XLEN); -1 when Valkey cannot be reached.",
        static_cast<double>(stream.backlog));
  t.one("nodepulse_ingest_stream_published_total", "counter",
        "Entries written to the stream.", static_cast<double>(stream.published));

  if (server != nullptr) {
    t.family("nodepulse_ingest_http_responses_total", "counter",
             "HTTP responses sent, by status code.");
    for (size_t i = 0; i < http::counted_statuses.size(); ++i) {
      int code = http::counted_statuses[i];
      t.sample(std::string{"nodepulse_ingest_http_responses_total{code=\""}
                 + (code == 0 ? std::string{"other"} : std::to_string(code)) + "\"}",
               static_cast<double>(server->responses[i].load()));
    }
    t.one("nodepulse_ingest_http_request_bytes_total", "counter",
          "Request body bytes received, as sent (before inflating).",
          static_cast<double>(server->bytes_received.load()));
    t.one("nodepulse_ingest_http_connections", "gauge", "Open connections.",
          static_cast<double>(server->connections_open.load()));
    t.one("nodepulse_ingest_http_connections_accepted_total", "counter",
          "Connections accepted.", static_cast<double>(server->connections_accepted.load()));
    t.one("nodepulse_ingest_http_connections_refused_total", "counter",
          "Connections closed at once for being over limits.max_connections.",
          static_cast<double>(server->connections_refused.load()));
    t.one("nodepulse_ingest_http_timeouts_total", "counter",
          "Connections closed for sending too slowly or idling too long.",
          static_cast<double>(server->timeouts.load()));
    t.one("nodepulse_ingest_tls_handshake_failures_total", "counter",
          "TLS handshakes that failed.",
          static_cast<double>(server->tls_handshake_failures.load()));
  }
  return t.take();
}

} // namespace nodepulse::ingest
