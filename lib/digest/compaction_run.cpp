#include "lib/digest/compaction_run.hpp"

#include "lib/text/grouped.hpp"

#include <cmath>
#include <cstdio>

namespace nodepulse::digest {

double compaction_progress::seconds_left() const {
  if (steps_done == 0 || elapsed_seconds <= 0)
    return -1;
  return elapsed_seconds / static_cast<double>(steps_done)
         * static_cast<double>(steps_total - steps_done);
}

std::string compaction_progress::describe() const {
  std::string out = std::to_string(steps_done) + "/" + std::to_string(steps_total) + " steps ("
                    + std::to_string(periods_done) + "/" + std::to_string(periods_total)
                    + " periods), " + text::grouped(moved) + " samples, "
                    + text::grouped(static_cast<int64_t>(std::llround(samples_per_second())))
                    + " samples/s";
  auto left = seconds_left();
  if (left >= 0 && steps_done < steps_total)
    out += ", ~" + std::to_string(static_cast<int64_t>(std::ceil(left))) + " s left";
  return out;
}

compaction_run::compaction_run(compaction_store& store, int64_t before_ms, int64_t chunk_series)
  : store_(store), before_ms_(before_ms), chunk_series_(std::max<int64_t>(1, chunk_series)) {}

compaction_run::~compaction_run() {
  finish();
}

bool compaction_run::start(bool wait, db_error& error) {
  started_ = std::chrono::steady_clock::now();
  bool got = false;
  if (!store_.lock(wait, got, error))
    return false;
  if (!got) {
    busy_ = true;
    return true;
  }
  locked_ = true;
  auto periods = store_.periods_before(before_ms_, error);
  if (!periods) {
    finish();
    return false;
  }
  for (const auto& p : *periods) {
    if (p.first_series > p.last_series) { // an empty partition: only dropped
      work_.push_back({p, 0, -1, true, false});
      continue;
    }
    for (int64_t first = p.first_series; first <= p.last_series; first += chunk_series_) {
      work_item w{p, first, std::min(p.last_series, first + chunk_series_ - 1), false, true};
      w.last_of_period = w.last == p.last_series;
      work_.push_back(w);
    }
  }
  progress_.periods_total = periods->size();
  progress_.steps_total = work_.size();
  if (work_.empty())
    finish();
  return true;
}

bool compaction_run::step(db_error& error) {
  if (done())
    return true;
  const auto& w = work_[next_];
  std::optional<compacted_chunk> chunk = compacted_chunk{};
  if (w.compact)
    chunk = store_.compact(w.period, before_ms_, w.first, w.last, error);
  if (!chunk) {
    finish(); // over: the rest waits for the next run
    return false;
  }
  progress_.moved += chunk->moved;
  progress_.blocks += chunk->blocks;
  progress_.merged += chunk->merged;
  if (w.last_of_period) {
    ++progress_.periods_done;
    // A period that ends before the cutoff is empty now, unless samples
    // arrived meanwhile (they wait for the next run).
    if (w.period.start_ms + block_period_ms <= before_ms_) {
      auto dropped = store_.drop_if_empty(w.period.start_ms, error);
      if (!dropped) {
        finish();
        return false;
      }
      progress_.partitions_dropped += *dropped ? 1 : 0;
    }
  }
  ++next_;
  ++progress_.steps_done;
  progress_.elapsed_seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (done())
    finish();
  return true;
}

void compaction_run::finish() {
  next_ = work_.size();
  if (locked_)
    store_.unlock();
  locked_ = false;
}

int64_t default_compaction_cutoff(int64_t now_ms, int64_t hot_period_ms) {
  return block_start_ms(now_ms - hot_period_ms);
}

} // namespace nodepulse::digest
