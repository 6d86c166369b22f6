// A decoded batch as rows for
//   COPY admiral.metric_samples (server_id, metric_name, metric_type, labels,
//                                value, timestamp, help_text, unit) FROM STDIN
// in PostgreSQL's text format: one row per sample, so a histogram is one
// row per bucket (its `le` label) plus its _sum and _count rows, a summary
// one per quantile plus _sum and _count; help_text comes from the family's
// HELP, unit from its UNIT or else the base unit its name ends in
// (node_memory_MemTotal_bytes -> bytes), \N when there is none. Pure: the
// digest's writer streams the text.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nodepulse::pg {

inline constexpr const char* copy_columns =
  "server_id, metric_name, metric_type, labels, value, timestamp, help_text, unit";

struct copy_stats {
  size_t rows = 0;
  size_t too_old = 0; // samples older than the retention: skipped, counted
};

// Appends the rows of `batch` (every sample stamped) to `out`, skipping
// samples stamped before `keep_from_ms`.
copy_stats append_copy_rows(const prom::sample_batch& batch, std::string_view server_id,
                            int64_t keep_from_ms, std::string& out);

} // namespace nodepulse::pg
