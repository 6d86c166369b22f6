#include "lib/agent/agent_metrics.hpp"

#include "lib/prom/writer.hpp"

namespace nodepulse::agent {

namespace {

std::string job_label(const scraper_status& s, const char* extra = nullptr) {
  std::string out = "{job=\"";
  prom::append_escaped_label_value(s.job, out);
  out += '"';
  if (extra != nullptr) {
    out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

} // namespace

std::string render_agent_metrics(const agent_figures& f) {
  prom::metrics_text t;
  auto d = [](uint64_t v) { return static_cast<double>(v); };

  t.family("nodepulse_agent_scrapes_total", "counter",
           "Scrapes by result: up (metrics kept) or down (refused, timeout, HTTP error, "
           "nothing parseable).");
  for (const auto& s : f.scrapers) {
    t.sample("nodepulse_agent_scrapes_total" + job_label(s, "result=\"up\""), d(s.up));
    t.sample("nodepulse_agent_scrapes_total" + job_label(s, "result=\"down\""), d(s.down));
  }
  t.family("nodepulse_agent_scrape_up", "gauge", "1 if the last scrape got metrics.");
  for (const auto& s : f.scrapers)
    t.sample("nodepulse_agent_scrape_up" + job_label(s), s.last_up ? 1 : 0);
  t.family("nodepulse_agent_scrape_samples_total", "counter", "Samples scraped and kept.");
  for (const auto& s : f.scrapers)
    t.sample("nodepulse_agent_scrape_samples_total" + job_label(s), d(s.samples));
  t.family("nodepulse_agent_scrape_samples_dropped_total", "counter",
           "Samples dropped by the endpoint's rule_set and metric_relabel_configs before the "
           "WAL.");
  for (const auto& s : f.scrapers)
    t.sample("nodepulse_agent_scrape_samples_dropped_total" + job_label(s), d(s.dropped));
  t.family("nodepulse_agent_scrape_bad_lines_total", "counter",
           "Malformed exposition lines skipped (the rest of the scrape kept).");
  for (const auto& s : f.scrapers)
    t.sample("nodepulse_agent_scrape_bad_lines_total" + job_label(s), d(s.bad_lines));
  t.family("nodepulse_agent_scrapes_not_kept_total", "counter",
           "Scrapes the buffer could not keep (WAL write failed).");
  for (const auto& s : f.scrapers)
    t.sample("nodepulse_agent_scrapes_not_kept_total" + job_label(s), d(s.not_kept));

  const auto& disc = f.discovery;
  t.one("nodepulse_agent_discovery_candidates", "gauge",
        "Loopback ports scrapers.discover probes (0: discovery off).", disc.candidates);
  t.one("nodepulse_agent_discovery_exporters", "gauge",
        "Discovered exporters answering now, each scraped under its job.", disc.present);
  t.family("nodepulse_agent_discovery_probes_total", "counter",
           "Discovery probes by result: answered (Prometheus text) or silent.");
  t.sample("nodepulse_agent_discovery_probes_total{result=\"answered\"}", d(disc.answered));
  t.sample("nodepulse_agent_discovery_probes_total{result=\"silent\"}", d(disc.silent));
  t.family("nodepulse_agent_discovery_changes_total", "counter",
           "Exporters found (appeared) and no longer answering (gone).");
  t.sample("nodepulse_agent_discovery_changes_total{change=\"appeared\"}", d(disc.appeared));
  t.sample("nodepulse_agent_discovery_changes_total{change=\"gone\"}", d(disc.gone));

  const auto& b = f.buffer;
  t.one("nodepulse_agent_buffer_durable", "gauge",
        "1: scrapes are kept in the WAL on disk; 0: in memory only (buffer.enabled false).",
        b.durable ? 1 : 0);
  t.one("nodepulse_agent_buffer_records", "gauge", "Scrapes kept, not yet acknowledged.",
        d(b.records));
  t.one("nodepulse_agent_buffer_bytes", "gauge", "Bytes the WAL segments take on disk.",
        d(b.bytes));
  t.one("nodepulse_agent_buffer_oldest_age_seconds", "gauge",
        "Age of the oldest scrape not yet acknowledged (0 if none).",
        b.oldest_time_ms == 0 ? 0 : static_cast<double>(f.now_ms - b.oldest_time_ms) / 1000);
  t.family("nodepulse_agent_dropped_total", "counter",
           "Scrapes lost, by reason: retention, size (max_size_mb), corrupt (WAL records "
           "that did not read back), torn (cut off at recovery), refused (4xx from ingest).");
  t.sample("nodepulse_agent_dropped_total{reason=\"retention\"}", d(b.dropped_retention));
  t.sample("nodepulse_agent_dropped_total{reason=\"size\"}", d(b.dropped_size));
  t.sample("nodepulse_agent_dropped_total{reason=\"corrupt\"}", d(b.skipped_corrupt));
  t.sample("nodepulse_agent_dropped_total{reason=\"torn\"}", d(b.truncated_tail));
  t.sample("nodepulse_agent_dropped_total{reason=\"refused\"}", d(f.pusher.dropped));
  t.one("nodepulse_agent_buffer_dropped_through_sequence", "gauge",
        "The highest sequence of this WAL epoch its caps dropped (0: none); sent with every "
        "push as X-Agent-Dropped.",
        d(b.dropped_through));
  t.one("nodepulse_agent_buffer_write_failures_total", "counter",
        "WAL appends that failed (disk full, I/O error).", d(b.write_failures));

  const auto& p = f.pusher;
  t.family("nodepulse_agent_pushes_total", "counter",
           "Batches the ingest accepted, by lane: fresh (sent when scraped) or replay "
           "(read back from the buffer).");
  t.sample("nodepulse_agent_pushes_total{lane=\"fresh\"}", d(p.pushed_fresh));
  t.sample("nodepulse_agent_pushes_total{lane=\"replay\"}", d(p.pushed - p.pushed_fresh));
  t.one("nodepulse_agent_push_bytes_total", "counter", "Request bodies sent, compressed.",
        d(p.pushed_bytes));
  t.one("nodepulse_agent_push_retries_total", "counter",
        "Failed pushes that are retried (5xx, 429, network errors).", d(p.retries));
  t.one("nodepulse_agent_push_failures_in_row", "gauge",
        "Failed pushes since the last success (0: the ingest takes pushes).", p.failures_in_row);
  t.one("nodepulse_agent_acknowledged_sequence", "gauge", "The buffer sequence acknowledged up to.",
        d(p.acknowledged));
  t.histogram_family("nodepulse_agent_push_latency_seconds",
                     "Time from sending a batch to the ingest's 2xx.", p.latency);
  t.one("nodepulse_agent_restarts_total", "counter",
        "Pushers and scrapers restarted after one died.", d(f.restarts));
  return t.take();
}

} // namespace nodepulse::agent
