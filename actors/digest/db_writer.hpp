// The DB WRITER: the digest's one worker. Each cycle (its own poll
// message) it takes up to max_entries entries from the stream (after a
// restart its own pending ones first; every claim_every, entries a dead
// consumer left pending past the idle timeout), writes them with one COPY
// in one transaction together with their batch ids, and only after the
// commit acknowledges and deletes them. So a crash anywhere re-delivers
// entries, and a re-delivered entry whose batch id is recorded is
// acknowledged and skipped: every sample lands exactly once.
//
// - An entry that cannot be decoded goes to the dead-letter stream at once,
//   with the reason; one PostgreSQL rejects (the lot is retried entry by
//   entry to find it) is retried, and dead-lettered after max_failures; one
//   delivered more than max_deliveries times (it keeps killing digests) too.
// - PostgreSQL or Valkey unreachable: nothing is acknowledged, the entries
//   stay pending, the writer retries after a backoff and resumes.
// - Series: each sample goes in as (series id, timestamp, value); the ids
//   come from the node's series cache, or from the catalogue before the
//   transaction (lib/digest/series_resolver).
// - Hot partitions: for the current block period and periods_ahead more,
//   every maintain_every, and for any period a batch carries before its
//   COPY; retention drops old partitions, series and batch ids on the same
//   timer. Compaction into the cold tier is the compactor's (compactor.hpp).
#pragma once

#include "actors/interfaces.hpp"
#include "lib/digest/series_cache.hpp"
#include "lib/digest/writer_metrics.hpp"
#include "lib/digest/writer_ports.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace nodepulse {

// What a node's writers share so that a change in a dependency's state is
// logged once for the node, not once per writer.
struct dependency_log {
  std::atomic<bool> valkey_down{false};
  std::atomic<bool> postgres_down{false};
};

struct db_writer_settings {
  size_t max_entries = 500;     // per transaction
  uint32_t max_failures = 5;    // rejections of one entry before the DLQ
  uint32_t max_deliveries = 10; // deliveries of one entry before the DLQ
  int64_t retention_days = 7;
  int periods_ahead = 2; // hot partitions made ahead of time, after the current one
  std::chrono::milliseconds claim_every{15'000};
  std::chrono::milliseconds maintain_every{600'000};
  std::chrono::milliseconds idle_poll{5}; // after an empty read (which waited itself)
  std::function<int64_t()> now_ms;        // wall clock in ms; the system's if empty
  std::shared_ptr<dependency_log> log;    // shared by the node's writers; own if empty
  // The series ids the node knows, shared by its writers; own if empty, of
  // series_cache_entries.
  std::shared_ptr<digest::series_cache> cache;
  size_t series_cache_entries = 1'000'000;
};

struct db_writer_state {
  static inline constexpr const char* name = "db_writer";

  std::shared_ptr<digest::entry_source> source;
  std::shared_ptr<digest::sample_sink> sink;
  db_writer_settings settings;

  bool group_ready = false;           // the consumer group is known to exist
  bool group_seen = false;            // it existed at some point while this writer ran
  int64_t last_backlog = -1;          // entries in the stream when last asked
  bool recovered = false;             // own pending entries from before were re-read
  std::vector<digest::delivery> held; // taken from the stream, not yet acknowledged
  struct failure {
    uint32_t count = 0;
    std::string last_error;
  };
  std::unordered_map<std::string, failure> rejections; // by entry id
  std::set<int64_t> hot_periods; // block periods (start, ms) whose hot partition exists
  caf::actor_clock::time_point next_claim{};
  caf::actor_clock::time_point next_maintenance{};
  uint32_t failures_in_a_row = 0;         // for the retry backoff
  std::vector<digest::hot_row> copy_rows; // the COPY's next piece; its capacity is kept

  // As last seen; the status carries them, with the backlog asked for then.
  bool stream_reachable = false;
  bool database_reachable = false;
  std::string stream_error;
  std::string database_error;
  digest::writer_counters counters;
};

db_writer_actor::behavior_type db_writer(db_writer_actor::stateful_pointer<db_writer_state> self,
                                         std::shared_ptr<digest::entry_source> source,
                                         std::shared_ptr<digest::sample_sink> sink,
                                         db_writer_settings settings);

} // namespace nodepulse
