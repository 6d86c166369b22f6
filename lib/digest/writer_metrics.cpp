#include "lib/digest/writer_metrics.hpp"

namespace nodepulse::digest {

writer_counters& writer_counters::operator+=(const writer_counters& o) {
  rows += o.rows;
  entries += o.entries;
  transactions += o.transactions;
  duplicates += o.duplicates;
  too_old += o.too_old;
  dead_lettered += o.dead_lettered;
  rejected += o.rejected;
  database_failures += o.database_failures;
  stream_failures += o.stream_failures;
  claimed += o.claimed;
  partitions_ensured += o.partitions_ensured;
  series_looked_up += o.series_looked_up;
  retention_runs += o.retention_runs;
  stream_vanished += o.stream_vanished;
  commit_seconds.merge(o.commit_seconds);
  rows_per_commit.merge(o.rows_per_commit);
  lag_seconds.merge(o.lag_seconds);
  return *this;
}

std::string render_writer_metrics(const writer_counters& c, const writer_health& h,
                                  size_t writers) {
  prom::metrics_text t;
  t.one("nodepulse_digest_writers", "gauge",
        "DB writers running (each its own consumer and PostgreSQL connection).",
        static_cast<double>(writers));
  auto counter = [&t](const char* name, const char* help, uint64_t v) {
    t.one(name, "counter", help, static_cast<double>(v));
  };
  counter("nodepulse_digest_rows_total", "Samples committed to the hot tier (admiral.samples_hot).",
          c.rows);
  counter("nodepulse_digest_entries_total", "Stream entries committed.", c.entries);
  counter("nodepulse_digest_transactions_total", "Transactions committed.", c.transactions);
  counter("nodepulse_digest_duplicate_entries_total",
          "Re-delivered entries whose batch id was committed before: acknowledged, skipped.",
          c.duplicates);
  counter("nodepulse_digest_samples_too_old_total", "Samples older than retention.days: skipped.",
          c.too_old);
  counter("nodepulse_digest_dead_lettered_total", "Entries moved to the dead-letter stream.",
          c.dead_lettered);
  counter("nodepulse_digest_rejected_writes_total",
          "Entry writes PostgreSQL refused (retried; dead-lettered after the limit).", c.rejected);
  counter("nodepulse_digest_database_failures_total",
          "Times PostgreSQL could not be reached or the connection was lost.", c.database_failures);
  counter("nodepulse_digest_stream_failures_total",
          "Times Valkey could not be reached or answered with an error.", c.stream_failures);
  counter("nodepulse_digest_claimed_entries_total",
          "Entries taken over from a consumer idle past the claim timeout.", c.claimed);
  counter("nodepulse_digest_partitions_ensured_total",
          "Hot partitions (one per two-hour block period) made sure of.", c.partitions_ensured);
  counter("nodepulse_digest_series_looked_up_total",
          "Series the digest's cache did not have, looked up (or made) in admiral.series.",
          c.series_looked_up);
  counter("nodepulse_digest_retention_runs_total",
          "Retention passes (old partitions, series and batch ids dropped).", c.retention_runs);
  counter("nodepulse_digest_stream_vanished_total",
          "Times the stream or its consumer group was gone when Valkey answered again "
          "(what it held unwritten was lost).",
          c.stream_vanished);
  t.histogram_family("nodepulse_digest_commit_seconds",
                     "Time from BEGIN to COMMIT of one transaction.", c.commit_seconds);
  t.histogram_family("nodepulse_digest_rows_per_commit", "Samples per transaction.",
                     c.rows_per_commit);
  t.histogram_family("nodepulse_digest_lag_seconds",
                     "Time from XADD of an entry to the commit of its samples.", c.lag_seconds);
  t.one("nodepulse_digest_stream_reachable", "gauge", "1 when Valkey answered last time.",
        h.stream_reachable ? 1 : 0);
  t.one("nodepulse_digest_database_reachable", "gauge", "1 when PostgreSQL answered last time.",
        h.database_reachable ? 1 : 0);
  t.one("nodepulse_digest_stream_length", "gauge", "Entries in the stream (XLEN); -1 when unknown.",
        static_cast<double>(h.backlog.length));
  t.one("nodepulse_digest_pending_entries", "gauge",
        "Entries handed to a digest and not yet acknowledged; -1 when unknown.",
        static_cast<double>(h.backlog.pending));
  t.one("nodepulse_digest_dead_letter_length", "gauge",
        "Entries in the dead-letter stream; -1 when unknown.",
        static_cast<double>(h.backlog.dead_letters));
  t.one("nodepulse_digest_stream_oldest_entry_age_seconds", "gauge",
        "How long the oldest entry still in the stream has waited (Valkey's clock); 0 when "
        "the stream is empty, -1 when unknown.",
        h.backlog.oldest_age_ms < 0 ? -1.0 : static_cast<double>(h.backlog.oldest_age_ms) / 1000.0);
  return t.take();
}

} // namespace nodepulse::digest
