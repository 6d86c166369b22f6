// One compaction: every hot sample older than `before` leaves the hot tier
// for its block in the cold tier (sql/007's admiral.compact_period), one
// transaction per block period and range of series ids, so that it can be
// cut short anywhere (a digest killed, PostgreSQL gone) and nothing is lost
// or doubled; the next run takes what is left. The hot partitions it
// empties are dropped. Only one compaction at a time in a database: a run
// holds an advisory lock from its start to its end.
//
// A run is stepped, one transaction per step(), so that its owner (the
// digest's compactor actor, `nodepulse compact`) can answer and report
// progress between steps.
#pragma once

#include "lib/digest/writer_ports.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse::digest {

struct hot_period {
  int64_t start_ms = 0;
  int64_t first_series = 0;
  int64_t last_series = 0;
};

struct compacted_chunk {
  int64_t blocks = 0;  // series given a block (new or rewritten)
  int64_t samples = 0; // in those blocks, after the chunk
  int64_t merged = 0;  // blocks that existed and were rewritten with late samples
  int64_t moved = 0;   // hot samples that left the hot tier
};

// What compaction needs of PostgreSQL.
class compaction_store {
public:
  virtual ~compaction_store() = default;
  // The database-wide compaction lock: `wait` blocks until it is free,
  // otherwise `got` says whether it was.
  virtual bool lock(bool wait, bool& got, db_error& error) = 0;
  virtual void unlock() = 0;
  virtual std::optional<std::vector<hot_period>> periods_before(int64_t before_ms,
                                                                db_error& error) = 0;
  virtual std::optional<compacted_chunk> compact(const hot_period& period, int64_t before_ms,
                                                 int64_t first_series, int64_t last_series,
                                                 db_error& error) = 0;
  // Drops the period's hot partition if compaction left it empty.
  virtual std::optional<bool> drop_if_empty(int64_t period_start_ms, db_error& error) = 0;
};

struct compaction_progress {
  size_t steps_total = 0;
  size_t steps_done = 0;
  size_t periods_total = 0;
  size_t periods_done = 0;
  int64_t moved = 0; // hot samples compacted so far
  int64_t blocks = 0;
  int64_t merged = 0;
  int64_t partitions_dropped = 0;
  double elapsed_seconds = 0;

  double samples_per_second() const {
    return elapsed_seconds > 0 ? static_cast<double>(moved) / elapsed_seconds : 0;
  }
  // From the steps left at the rate so far; -1 before the first step.
  double seconds_left() const;
  // "12/40 steps (2/3 periods), 1,234,567 samples, 480,000 samples/s, ~3 s left"
  std::string describe() const;
};

class compaction_run {
public:
  // `chunk_series`: ids per transaction.
  compaction_run(compaction_store& store, int64_t before_ms, int64_t chunk_series);
  ~compaction_run();
  compaction_run(const compaction_run&) = delete;
  compaction_run& operator=(const compaction_run&) = delete;

  // Takes the lock (waiting for it if `wait`) and lists the work. False
  // with `error` set if PostgreSQL failed; true with busy() if another
  // compaction holds the lock and `wait` is false.
  bool start(bool wait, db_error& error);
  bool busy() const { return busy_; }

  // One transaction; false with `error` set if it failed (the run is over
  // then: what it did not do stays hot for the next one).
  bool step(db_error& error);
  bool done() const { return busy_ || next_ >= work_.size(); }

  const compaction_progress& progress() const { return progress_; }
  int64_t before_ms() const { return before_ms_; }

private:
  struct work_item {
    hot_period period;
    int64_t first = 0;
    int64_t last = 0;
    bool last_of_period = false;
    bool compact = true; // false: an empty partition, only to be dropped
  };

  void finish(); // no more steps; the lock released

  compaction_store& store_;
  int64_t before_ms_;
  int64_t chunk_series_;
  bool locked_ = false;
  bool busy_ = false;
  std::vector<work_item> work_;
  size_t next_ = 0;
  std::chrono::steady_clock::time_point started_;
  compaction_progress progress_;
};

// `hot_period_ms` before `now_ms`, down to a block period's start: what the
// digest's timer compacts, so that each block is written once.
int64_t default_compaction_cutoff(int64_t now_ms, int64_t hot_period_ms);

} // namespace nodepulse::digest
