#include "lib/ingest/timestamp_policy.hpp"

namespace nodepulse::ingest {

timestamp_verdict apply_timestamp_policy(prom::sample_batch& batch, int64_t received_at_ms,
                                         int64_t max_future_skew_ms) {
  timestamp_verdict verdict;
  const int64_t latest = received_at_ms + max_future_skew_ms;
  // Compact in place: kept samples keep their order; their labels stay where
  // they are in batch.labels, so nothing else moves.
  size_t kept = 0;
  for (size_t i = 0; i < batch.samples.size(); ++i) {
    prom::sample& s = batch.samples[i];
    if (!s.has_timestamp) {
      s.has_timestamp = true;
      s.timestamp_ms = received_at_ms;
    } else if (s.timestamp_ms > latest) {
      if (verdict.rejected++ == 0) {
        verdict.first_line = s.line;
        verdict.first_reason = "sample '" + std::string{s.name} + "' at line "
                               + std::to_string(s.line) + " is "
                               + std::to_string((s.timestamp_ms - received_at_ms) / 1000)
                               + " s ahead of the ingest clock (limit "
                               + std::to_string(max_future_skew_ms / 1000) + " s)";
      }
      batch.families[s.family].sample_count--;
      continue;
    }
    if (kept != i)
      batch.samples[kept] = s;
    ++kept;
  }
  batch.samples.resize(kept);
  return verdict;
}

} // namespace nodepulse::ingest
