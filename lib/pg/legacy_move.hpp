// The upgrade from the plan's one-row-per-sample table: after the schema
// migrations renamed it admiral.metric_samples_legacy (sql/007), its rows
// move into the series catalogue and the hot tier, `batch_rows` per
// transaction (admiral.move_legacy_samples), so an upgrade cut short
// resumes where it stopped and nothing is lost or moved twice; the
// admiral.metric_samples view reads both meanwhile. Once it is empty the
// view leaves it and it is dropped. Compaction then makes blocks of them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace nodepulse::pg {

struct legacy_move_progress {
  int64_t moved = 0;
  int64_t estimated_total = 0; // rows the table held at the start (PostgreSQL's estimate)
  double elapsed_seconds = 0;
  bool finished = false; // the table is gone

  // "1,500,000 of ~10,000,000 rows (15%), 52,000 rows/s, ~163 s left"
  std::string describe() const;
};

// False with `error` set if PostgreSQL failed (run it again to resume).
// `on_progress` is called after every batch.
bool move_legacy_samples(const std::string& dsn, int64_t batch_rows,
                         const std::function<void(const legacy_move_progress&)>& on_progress,
                         legacy_move_progress& out, std::string& error);

} // namespace nodepulse::pg
