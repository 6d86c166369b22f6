#include "lib/ingest/self_metrics.hpp"

#include "lib/http/server.hpp"

namespace nodepulse::ingest {

std::string render_self_metrics(const ingest_counters& c, const http::server_stats* server,
                                const stream_figures& stream) {
  prom::metrics_text t;
  t.family("nodepulse_ingest_pushes_total", "counter", "Pushes received, by endpoint.");
  t.sample("nodepulse_ingest_pushes_total{endpoint=\"/metrics/prometheus\"}",
           static_cast<double>(c.pushes_prometheus));
  t.sample("nodepulse_ingest_pushes_total{endpoint=\"/metrics\"}",
           static_cast<double>(c.pushes_legacy));
  t.sample("nodepulse_ingest_pushes_total{endpoint=\"/api/v1/write\"}",
           static_cast<double>(c.pushes_remote_write));
  t.one("nodepulse_ingest_remote_write_metadata_total", "counter",
        "Metric metadata entries taken from remote write requests (type, HELP, unit).",
        static_cast<double>(c.remote_write_metadata));
  t.one("nodepulse_ingest_remote_write_histograms_dropped_total", "counter",
        "Native histogram samples in remote write requests, not stored (no place for them).",
        static_cast<double>(c.remote_write_histograms_dropped));
  t.one("nodepulse_ingest_remote_write_exemplars_dropped_total", "counter",
        "Exemplars in remote write requests, not stored.",
        static_cast<double>(c.remote_write_exemplars_dropped));
  t.one("nodepulse_ingest_samples_accepted_total", "counter", "Samples accepted into the stream.",
        static_cast<double>(c.samples_accepted));
  t.one("nodepulse_ingest_samples_rejected_total", "counter",
        "Samples dropped for a timestamp too far in the future.",
        static_cast<double>(c.samples_rejected));
  t.one("nodepulse_ingest_parse_errors_total", "counter",
        "Pushes refused because their body did not parse.", static_cast<double>(c.parse_errors));
  t.one("nodepulse_ingest_duplicate_batches_total", "counter",
        "Retried batches acknowledged again without being stored twice.",
        static_cast<double>(c.duplicate_batches));
  t.one("nodepulse_ingest_unavailable_total", "counter",
        "Pushes answered 503 because a dependency was down or full.",
        static_cast<double>(c.unavailable_answers));
  t.one("nodepulse_ingest_token_lookups_limited_total", "counter",
        "Pushes answered 429 without a token lookup: their address sent too many unknown "
        "tokens (auth.unknown_token_rate).",
        static_cast<double>(c.token_lookups_limited));

  t.histogram_family("nodepulse_ingest_publish_latency_seconds",
                     "Time from handing a push to the stream publisher to its answer.",
                     c.publish_latency);

  t.one("nodepulse_ingest_stream_reachable", "gauge", "1 when the last probe of Valkey succeeded.",
        stream.reachable ? 1 : 0);
  t.one("nodepulse_ingest_stream_backlog", "gauge",
        "Entries in the stream (XLEN); -1 when Valkey cannot be reached.",
        static_cast<double>(stream.backlog));
  t.one("nodepulse_ingest_stream_published_total", "counter", "Entries written to the stream.",
        static_cast<double>(stream.published));
  t.one("nodepulse_ingest_valkey_durable", "gauge",
        "1 when Valkey keeps acknowledged pushes through a crash (appendonly yes, "
        "appendfsync always).",
        stream.durable ? 1 : 0);
  t.one("nodepulse_ingest_pushes_refused_not_durable_total", "counter",
        "Pushes answered 503 because Valkey would lose them in a crash.",
        static_cast<double>(stream.refused_not_durable));

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
    t.one("nodepulse_ingest_http_connections_accepted_total", "counter", "Connections accepted.",
          static_cast<double>(server->connections_accepted.load()));
    t.one("nodepulse_ingest_http_connections_refused_total", "counter",
          "Connections closed at once for being over limits.max_connections.",
          static_cast<double>(server->connections_refused.load()));
    t.one("nodepulse_ingest_http_connections_refused_per_address_total", "counter",
          "Connections closed at once: their address held limits.max_connections_per_address.",
          static_cast<double>(server->connections_refused_per_address.load()));
    t.one("nodepulse_ingest_http_accept_errors_total", "counter",
          "Accepts that failed (out of file descriptors): accepting paused 100 ms each.",
          static_cast<double>(server->accept_errors.load()));
    t.one("nodepulse_ingest_http_timeouts_total", "counter",
          "Connections closed for sending too slowly or idling too long.",
          static_cast<double>(server->timeouts.load()));
    t.one("nodepulse_ingest_tls_handshake_failures_total", "counter", "TLS handshakes that failed.",
          static_cast<double>(server->tls_handshake_failures.load()));
  }
  return t.take();
}

} // namespace nodepulse::ingest
