#include "actors/digest/compactor.hpp"

#include "lib/base/utc_time.hpp"
#include "lib/base/wall_clock.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace nodepulse {

namespace {

using self_ptr = compactor_actor::stateful_pointer<compactor_state>;

void next_run_later(self_ptr self) {
  self->state.run.reset();
  self->state.status.running = false;
  self->delayed_send(self, self->state.settings.every, poll_atom::value);
}

void failed(self_ptr self, const digest::db_error& error) {
  auto& st = self->state;
  if (st.status.database_reachable)
    spdlog::warn("compactor: PostgreSQL failed ({}); what is not compacted stays in the hot "
                 "tier, the next try is in {} s",
                 error.message, st.settings.every.count() / 1000);
  st.status.database_reachable = false;
  st.status.error = error.message;
  ++st.status.failures;
  next_run_later(self);
}

void start_run(self_ptr self) {
  auto& st = self->state;
  auto cutoff =
    digest::default_compaction_cutoff(wall_clock_ms(st.settings.now_ms), st.settings.hot_period_ms);
  st.run = std::make_unique<digest::compaction_run>(*st.store, cutoff, st.settings.chunk_series);
  digest::db_error error;
  if (!st.run->start(false, error))
    return failed(self, error);
  st.status.database_reachable = true;
  st.status.error.clear();
  if (st.run->busy()) {
    ++st.status.runs_busy;
    spdlog::debug("compactor: another digest is compacting; skipped");
    return next_run_later(self);
  }
  const auto& p = st.run->progress();
  if (p.steps_total == 0) {
    st.status.last_cutoff_ms = cutoff;
    return next_run_later(self);
  }
  spdlog::info("compactor: compacting {} block period{} of hot samples older than {} in {} steps",
               p.periods_total, p.periods_total == 1 ? "" : "s", utc_text(cutoff), p.steps_total);
  st.status.running = true;
  st.status.steps_total = p.steps_total;
  st.status.steps_done = 0;
  st.last_progress_log = std::chrono::steady_clock::now();
  self->send(self, tick_atom::value);
}

void take_step(self_ptr self) {
  auto& st = self->state;
  if (!st.run)
    return;
  auto before = st.run->progress();
  digest::db_error error;
  bool ok = st.run->step(error);
  const auto& p = st.run->progress();
  st.status.samples_moved += static_cast<uint64_t>(p.moved - before.moved);
  st.status.blocks_written += static_cast<uint64_t>(p.blocks - before.blocks);
  st.status.blocks_merged += static_cast<uint64_t>(p.merged - before.merged);
  st.status.partitions_dropped +=
    static_cast<uint64_t>(p.partitions_dropped - before.partitions_dropped);
  st.status.steps_done = p.steps_done;
  if (!ok)
    return failed(self, error);
  auto now = std::chrono::steady_clock::now();
  if (!st.run->done()) {
    if (now - st.last_progress_log >= st.settings.progress_every) {
      st.last_progress_log = now;
      spdlog::info("compactor: {}", p.describe());
    }
    self->send(self, tick_atom::value);
    return;
  }
  ++st.status.runs;
  st.status.last_run_seconds = p.elapsed_seconds;
  st.status.last_cutoff_ms = st.run->before_ms();
  spdlog::info("compactor: done: {} samples into {} blocks ({} rewritten with late samples), "
               "{} hot partitions dropped, in {:.1f} s",
               p.moved, p.blocks, p.merged, p.partitions_dropped, p.elapsed_seconds);
  next_run_later(self);
}

} // namespace

compactor_actor::behavior_type compactor(self_ptr self,
                                         std::shared_ptr<digest::compaction_store> store,
                                         compactor_settings settings) {
  self->state.store = std::move(store);
  self->state.settings = std::move(settings);
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) {
      if (!self->state.run)
        start_run(self);
    },
    [self](tick_atom) { take_step(self); },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse
