#include "lib/digest/loss_metrics.hpp"

#include "lib/prom/metrics_text.hpp"

namespace nodepulse::digest {

std::string render_loss_metrics(const loss_status& s) {
  prom::metrics_text t;
  t.one("nodepulse_digest_loss_passes_total", "counter",
        "Loss detection passes that reached PostgreSQL.", static_cast<double>(s.passes));
  t.one("nodepulse_digest_loss_passes_failed_total", "counter",
        "Loss detection passes PostgreSQL did not answer.", static_cast<double>(s.failures));
  t.one("nodepulse_digest_loss_passes_skipped_total", "counter",
        "Loss detection passes not run because Valkey did not say how long the stream's oldest "
        "entry has waited (a gap cannot then be told from a backlog).",
        static_cast<double>(s.skipped));
  t.one("nodepulse_digest_loss_settle_seconds", "gauge",
        "How long a gap had to stay open to count as lost in the last pass: loss_detector.after "
        "plus the age of the stream's oldest entry; -1 before the first pass.",
        static_cast<double>(s.settle_seconds));
  t.one("nodepulse_digest_loss_ranges_total", "counter",
        "Gaps in an agent epoch's batch sequences recorded as lost (admiral.batch_losses).",
        static_cast<double>(s.loss_ranges));
  t.one("nodepulse_digest_batches_lost_total", "counter",
        "Batches in those gaps: pushes that never reached PostgreSQL.",
        static_cast<double>(s.batches_lost));
  t.one("nodepulse_digest_agent_drop_ranges_total", "counter",
        "Gaps the agents' own WAL caps made (retention, size), as their X-Agent-Dropped says.",
        static_cast<double>(s.agent_drop_ranges));
  t.one("nodepulse_digest_batches_dropped_by_agents_total", "counter",
        "Batches in those gaps: dropped by an agent before it could push them.",
        static_cast<double>(s.batches_dropped_by_agents));
  t.one("nodepulse_digest_wal_epochs_new_total", "counter",
        "Agent WAL epochs that followed an earlier one of the same server (WAL wiped or cut).",
        static_cast<double>(s.new_epochs));
  return t.take();
}

} // namespace nodepulse::digest
