#include "lib/digest/compaction_metrics.hpp"

#include "lib/prom/metrics_text.hpp"

namespace nodepulse::digest {

std::string render_compaction_metrics(const compaction_status& s) {
  prom::metrics_text t;
  auto counter = [&t](const char* name, const char* help, uint64_t v) {
    t.one(name, "counter", help, static_cast<double>(v));
  };
  counter("nodepulse_digest_compaction_runs_total",
          "Compaction runs this digest finished (hot samples older than the hot period into "
          "blocks).",
          s.runs);
  counter("nodepulse_digest_compaction_skipped_total",
          "Compaction ticks that found another digest compacting.", s.runs_busy);
  counter("nodepulse_digest_compaction_failures_total",
          "Compaction runs cut short by PostgreSQL; what they left stays hot for the next.",
          s.failures);
  counter("nodepulse_digest_compacted_samples_total",
          "Hot samples moved into blocks (admiral.sample_blocks).", s.samples_moved);
  counter("nodepulse_digest_compacted_blocks_total", "Blocks written (new or rewritten).",
          s.blocks_written);
  counter("nodepulse_digest_compaction_merged_blocks_total",
          "Blocks rewritten because samples of their period came after they were written.",
          s.blocks_merged);
  counter("nodepulse_digest_hot_partitions_dropped_total",
          "Hot partitions dropped once compaction had emptied them.", s.partitions_dropped);
  t.one("nodepulse_digest_compaction_running", "gauge", "1 while a compaction run goes on.",
        s.running ? 1 : 0);
  t.one("nodepulse_digest_compaction_steps_left", "gauge",
        "Transactions left in the run under way (0 when none runs).",
        s.running ? static_cast<double>(s.steps_total - s.steps_done) : 0);
  t.one("nodepulse_digest_compaction_last_seconds", "gauge", "How long the last finished run took.",
        s.last_run_seconds);
  t.one("nodepulse_digest_compaction_cutoff_seconds", "gauge",
        "Unix time before which the last finished run compacted everything (0: none yet).",
        static_cast<double>(s.last_cutoff_ms) / 1000.0);
  return t.take();
}

} // namespace nodepulse::digest
