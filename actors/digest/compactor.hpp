// The COMPACTOR: every `every`, it compacts the hot samples older than the
// hot period (rounded down to a block period's start, so that each block
// is written once) into the cold tier: lib/digest/compaction_run.hpp, one
// transaction per step, one step per message, so that it answers status
// requests while a long run goes on. Only one compaction runs per database:
// a digest whose tick finds another one's lock held skips (counted). It
// logs how far a run is (steps, samples, rate, time left) every
// `progress_every`, and a summary at the end. A run cut short by
// PostgreSQL leaves the rest hot for the next.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/digest/compaction_run.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace nodepulse {

struct compactor_settings {
  std::chrono::milliseconds every{300'000}; // digest storage.compact_every
  int64_t hot_period_ms = 15 * 60'000;      // digest storage.hot_period
  int64_t chunk_series = 20'000;            // digest storage.compact_series
  std::chrono::milliseconds progress_every{10'000};
  std::function<int64_t()> now_ms; // wall clock in ms; the system's if empty
};

struct compactor_state {
  static inline constexpr const char* name = "compactor";
  std::shared_ptr<digest::compaction_store> store;
  compactor_settings settings;
  std::unique_ptr<digest::compaction_run> run;
  std::chrono::steady_clock::time_point last_progress_log;
  compaction_status status;
};

compactor_actor::behavior_type compactor(compactor_actor::stateful_pointer<compactor_state> self,
                                         std::shared_ptr<digest::compaction_store> store,
                                         compactor_settings settings);

} // namespace nodepulse
