// The BUFFER actor: keeps every scrape until the pusher acknowledges it.
// With buffer.enabled, in the write-ahead log (lib/wal/) in
// buffer.path, which outlives restarts, crashes and outages; without, in a
// bounded queue in memory (the oldest dropped and counted when full). On
// its own timer (tick) it applies retention_hours and max_size_mb and logs
// what that dropped. Blocking file I/O: the agent spawns it detached.
//
// If the WAL directory cannot be used at all, the buffer quits with the
// reason: an agent that promised durability must not silently run without.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/wal/wal.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

namespace nodepulse {

struct buffer_settings {
  bool durable = true;            // buffer.enabled
  wal::options wal;               // dir, max_bytes, retention_ms, fsync
  size_t memory_max_records = 64; // without the WAL: 16 minutes at 15 s
  size_t memory_max_bytes = 16 << 20;
  std::chrono::milliseconds tick{60'000};
  std::function<int64_t()> now_ms; // wall clock in ms; the system's if empty
};

struct buffer_state {
  static inline constexpr const char* name = "buffer";
  buffer_settings settings;
  std::unique_ptr<wal::write_ahead_log> log; // durable
  std::deque<buffered_scrape> memory;        // not durable
  uint64_t memory_bytes = 0;
  uint64_t memory_next = 1;
  buffer_status reported; // as last logged, to log what changed
  buffer_status memory_status;
};

buffer_actor::behavior_type buffer(buffer_actor::stateful_pointer<buffer_state> self,
                                   buffer_settings settings);

} // namespace nodepulse
