#include "actors/digest/db_writer.hpp"

#include "lib/base/restart_backoff.hpp"
#include "lib/base/wall_clock.hpp"
#include "lib/digest/series_resolver.hpp"
#include "lib/valkey/stream_codec.hpp"

#include <caf/actor_clock.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

namespace nodepulse {

namespace {

using self_ptr = db_writer_actor::stateful_pointer<db_writer_state>;
constexpr int64_t day_ms = 86'400'000;

// The time an entry was added to the stream: its id is "<ms>-<seq>".
int64_t added_at_ms(const std::string& id) {
  int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.size(), ms);
  return ms;
}

void retry_later(self_ptr self) {
  auto& st = self->state;
  ++st.failures_in_a_row;
  self->delayed_send(self, restart_backoff(st.failures_in_a_row), poll_atom::value);
}

void stream_failed(self_ptr self, std::string error) {
  auto& st = self->state;
  if (!st.settings.log->valkey_down.exchange(true))
    spdlog::warn("db_writer: Valkey is unreachable ({}); entries wait in the stream", error);
  st.stream_reachable = false;
  st.stream_error = std::move(error);
  st.group_ready = false; // Valkey may have come back empty: make the group again
  ++st.counters.stream_failures;
  retry_later(self);
}

void database_failed(self_ptr self, digest::db_error error) {
  auto& st = self->state;
  if (!st.settings.log->postgres_down.exchange(true))
    spdlog::warn("db_writer: PostgreSQL is unreachable ({}); entries wait in the stream",
                 error.message);
  st.database_reachable = false;
  st.database_error = std::move(error.message);
  ++st.counters.database_failures;
  retry_later(self);
}

void database_answered(db_writer_state& st) {
  if (st.settings.log->postgres_down.exchange(false))
    spdlog::info("db_writer: PostgreSQL is back");
  st.database_reachable = true;
  st.database_error.clear();
}

// One held entry, decoded; its strings point into the delivery and scratch.
struct decoded_entry {
  const digest::delivery* d = nullptr;
  prom::sample_batch batch;
  std::string scratch;
  bool committed = false; // written now or before: to be acknowledged
};

enum class commit_outcome { committed, rejected, connection_lost };

// The rows go to PostgreSQL in pieces of this many as they are made.
constexpr size_t copy_piece_rows = 8192;

// One transaction for `items`: skips those whose batch id is recorded
// (or repeated in the same lot), COPYs the rest into the hot tier, records
// their batch ids. Their series are looked up first, outside it.
commit_outcome commit(self_ptr self, const std::vector<decoded_entry*>& items, int64_t keep_from_ms,
                      digest::db_error& error) {
  auto& st = self->state;
  auto& sink = *st.sink;
  auto started = std::chrono::steady_clock::now();
  auto failed = [&] {
    sink.rollback();
    return error.connection_lost ? commit_outcome::connection_lost : commit_outcome::rejected;
  };
  std::vector<digest::batch_ref> lot;
  for (auto* item : items)
    lot.push_back({&item->batch, item->d->entry.server_id});
  digest::resolved_lot series;
  if (!digest::resolve_series_ids(lot, keep_from_ms, *st.settings.cache, sink, series, error))
    return error.connection_lost ? commit_outcome::connection_lost : commit_outcome::rejected;
  st.counters.series_looked_up += series.looked_up;
  if (!sink.begin(error))
    return failed();
  std::vector<std::string> ids;
  for (auto* item : items)
    ids.push_back(item->d->entry.batch_id);
  auto known_list = sink.known_batches(ids, error);
  if (!known_list)
    return failed();
  std::unordered_set<std::string> known{known_list->begin(), known_list->end()};
  // Every row of the lot first, in (series, time) order: the hot tier's
  // index then takes them leaf after leaf instead of all over the tree.
  auto& rows = st.copy_rows;
  rows.clear();
  std::vector<digest::accepted_batch> accepted;
  uint64_t written = 0, too_old = 0, skipped = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& e = items[i]->d->entry;
    if (!known.insert(e.batch_id).second) {
      ++skipped;
      continue;
    }
    const auto& samples = items[i]->batch.samples;
    for (size_t j = 0; j < samples.size(); ++j) {
      auto series_id = series.ids[i][j];
      if (series_id == 0) {
        ++too_old;
        continue;
      }
      rows.push_back({series_id, samples[j].timestamp_ms, samples[j].value});
    }
    accepted.push_back({e.batch_id, e.server_id, e.received_at_ms, e.agent_dropped});
  }
  written = rows.size();
  std::sort(rows.begin(), rows.end(), [](const digest::hot_row& a, const digest::hot_row& b) {
    return a.series_id != b.series_id ? a.series_id < b.series_id : a.timestamp_ms < b.timestamp_ms;
  });
  if (!rows.empty()) {
    if (!sink.copy_start(error))
      return failed();
    // In pieces, so that PostgreSQL works on one while the next is encoded.
    for (size_t at = 0; at < rows.size(); at += copy_piece_rows)
      if (!sink.copy_rows(rows.data() + at, std::min(copy_piece_rows, rows.size() - at), error))
        return failed();
    if (!sink.copy_end(error))
      return failed();
  }
  if (!accepted.empty() && !sink.record_batches(accepted, error))
    return failed();
  if (!sink.commit(error))
    return failed();
  auto& c = st.counters;
  c.commit_seconds.observe(
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  c.rows_per_commit.observe(static_cast<double>(written));
  c.rows += written;
  c.too_old += too_old;
  c.duplicates += skipped;
  c.entries += accepted.size();
  ++c.transactions;
  auto now = wall_clock_ms(st.settings.now_ms);
  for (auto* item : items) {
    item->committed = true;
    c.lag_seconds.observe(static_cast<double>(std::max<int64_t>(0, now - added_at_ms(item->d->id)))
                          / 1000.0);
  }
  return commit_outcome::committed;
}

// Makes sure the hot partition of `period` exists; false (a retry
// scheduled) when PostgreSQL failed.
bool ensure_hot_partition(self_ptr self, int64_t period) {
  auto& st = self->state;
  digest::db_error error;
  if (!st.sink->ensure_hot_partition(period, error)) {
    database_failed(self, std::move(error));
    return false;
  }
  st.hot_periods.insert(period);
  ++st.counters.partitions_ensured;
  return true;
}

// The hot partitions of the current block period and the next ones, and
// the retention: on a timer.
bool maintain(self_ptr self) {
  auto& st = self->state;
  digest::db_error error;
  auto current = digest::block_start_ms(wall_clock_ms(st.settings.now_ms));
  for (int ahead = 0; ahead <= st.settings.periods_ahead; ++ahead) {
    if (!ensure_hot_partition(self, current + ahead * digest::block_period_ms))
      return false;
  }
  if (!st.sink->apply_retention(st.settings.retention_days, error)) {
    database_failed(self, std::move(error));
    return false;
  }
  ++st.counters.retention_runs;
  // Compaction drops the partitions of older periods: a late batch makes
  // them again.
  st.hot_periods.erase(st.hot_periods.begin(), st.hot_periods.lower_bound(current));
  database_answered(st);
  return true;
}

bool dead_letter(self_ptr self, const digest::delivery& d, const std::string& reason) {
  auto& st = self->state;
  std::string error;
  if (!st.source->dead_letter(d, reason, error)) {
    stream_failed(self, std::move(error));
    return false;
  }
  spdlog::warn("db_writer: entry {} (batch {}) moved to the dead-letter stream: {}", d.id,
               d.entry.batch_id, reason);
  st.rejections.erase(d.id);
  ++st.counters.dead_lettered;
  return true;
}

// Drops entries that are gone from the stream from what is held, and
// their rejection counts.
void forget(db_writer_state& st, const std::unordered_set<std::string>& ids) {
  if (ids.empty())
    return;
  st.held.erase(std::remove_if(st.held.begin(), st.held.end(),
                               [&](const digest::delivery& d) { return ids.count(d.id) > 0; }),
                st.held.end());
  for (const auto& id : ids)
    st.rejections.erase(id);
}

// Writes what is held; false when it scheduled a retry itself.
bool write_held(self_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.settings;
  const int64_t keep_from_ms = wall_clock_ms(cfg.now_ms) - cfg.retention_days * day_ms;
  std::vector<std::string> acknowledge;
  std::vector<std::unique_ptr<decoded_entry>> entries;
  std::unordered_set<std::string> dead;
  // Entries that cannot be written go to the dead-letter stream.
  for (const auto& d : st.held) {
    if (d.deleted) {
      acknowledge.push_back(d.id);
      continue;
    }
    std::string reason;
    auto rejected = st.rejections.find(d.id);
    auto item = std::make_unique<decoded_entry>();
    item->d = &d;
    if (!d.malformed.empty()) {
      reason = "malformed entry: " + d.malformed;
    } else if (rejected != st.rejections.end() && rejected->second.count >= cfg.max_failures) {
      reason = "rejected by PostgreSQL " + std::to_string(rejected->second.count)
               + " times: " + rejected->second.last_error;
    } else if (d.deliveries > cfg.max_deliveries) {
      reason = "delivered " + std::to_string(d.deliveries) + " times without a commit";
    } else {
      auto problem =
        valkey::decode_payload(d.entry.payload, d.entry.received_at_ms, item->batch, item->scratch);
      if (!problem.empty())
        reason = "payload does not decode: " + problem;
    }
    if (!reason.empty()) {
      if (!dead_letter(self, d, reason)) {
        forget(st, dead); // gone from the stream already: not dead-lettered twice
        return false;
      }
      dead.insert(d.id);
      continue;
    }
    entries.push_back(std::move(item));
  }
  // Every block period the rows fall in has its hot partition before the
  // COPY (rows would land in the default partition otherwise).
  std::set<int64_t> periods;
  for (const auto& item : entries)
    for (const auto& s : item->batch.samples)
      if (s.timestamp_ms >= keep_from_ms
          && !st.hot_periods.count(digest::block_start_ms(s.timestamp_ms)))
        periods.insert(digest::block_start_ms(s.timestamp_ms));
  for (auto period : periods)
    if (!ensure_hot_partition(self, period))
      return false;
  // One transaction for the lot; if PostgreSQL refuses it, one per entry,
  // to find the entry it refuses.
  bool any_rejected = false;
  if (!entries.empty()) {
    std::vector<decoded_entry*> all;
    for (auto& item : entries)
      all.push_back(item.get());
    digest::db_error error;
    auto outcome = commit(self, all, keep_from_ms, error);
    if (outcome == commit_outcome::connection_lost) {
      database_failed(self, std::move(error));
      return false;
    }
    auto rejected = [&](const decoded_entry* item, const digest::db_error& why) {
      auto& r = st.rejections[item->d->id];
      ++r.count;
      r.last_error = why.message;
      ++st.counters.rejected;
      any_rejected = true;
    };
    std::vector<std::vector<decoded_entry*>> retries;
    if (outcome == commit_outcome::rejected && all.size() == 1)
      rejected(all.front(), error);
    else if (outcome == commit_outcome::rejected)
      for (auto* item : all)
        retries.push_back({item});
    for (const auto& one : retries) {
      digest::db_error one_error;
      auto one_outcome = commit(self, one, keep_from_ms, one_error);
      if (one_outcome == commit_outcome::connection_lost) {
        database_failed(self, std::move(one_error));
        return false;
      }
      if (one_outcome == commit_outcome::rejected)
        rejected(one.front(), one_error);
    }
    database_answered(st);
  }
  // Acknowledged only now, after the commit.
  for (const auto& item : entries)
    if (item->committed)
      acknowledge.push_back(item->d->id);
  std::string stream_error;
  if (!acknowledge.empty() && !st.source->acknowledge(acknowledge, stream_error)) {
    // Committed but not acknowledged: the next try finds the batch ids
    // recorded and only acknowledges.
    stream_failed(self, std::move(stream_error));
    return false;
  }
  std::unordered_set<std::string> done{acknowledge.begin(), acknowledge.end()};
  done.insert(dead.begin(), dead.end());
  entries.clear(); // they point into held
  forget(st, done);
  if (any_rejected) {
    retry_later(self); // not at full speed: PostgreSQL said no
    return false;
  }
  return true;
}

// Adds `fresh` to what is held, skipping ids already held.
void hold(db_writer_state& st, std::vector<digest::delivery>&& fresh) {
  std::unordered_set<std::string> held;
  for (const auto& d : st.held)
    held.insert(d.id);
  for (auto& d : fresh)
    if (held.insert(d.id).second)
      st.held.push_back(std::move(d));
}

void cycle(self_ptr self) {
  auto& st = self->state;
  const auto& cfg = st.settings;
  std::string error;
  if (!st.group_ready) {
    bool created = false;
    if (!st.source->prepare(created, error))
      return stream_failed(self, std::move(error));
    if (created && st.group_seen) {
      // Valkey came back without them: restarted without persistence, or
      // they were deleted. Whatever they held unwritten is gone.
      ++st.counters.stream_vanished;
      spdlog::error("db_writer: the stream or its consumer group vanished from Valkey "
                    "(restarted without appendonly, or deleted){}: entries it held and "
                    "not yet written are lost; the loss detector names their batches",
                    st.last_backlog > 0 ? "; " + std::to_string(st.last_backlog)
                                            + " entries were waiting when last seen"
                                        : std::string{});
    }
    st.group_ready = true;
    st.group_seen = true;
  }
  if (!st.recovered) {
    auto own = st.source->read_own_pending(cfg.max_entries, error);
    if (!own)
      return stream_failed(self, std::move(error));
    st.recovered = own->size() < cfg.max_entries;
    hold(st, std::move(*own));
  }
  auto now = self->clock().now();
  if (now >= st.next_maintenance) {
    if (!maintain(self))
      return;
    st.next_maintenance = now + cfg.maintain_every;
  }
  if (st.held.empty() && now >= st.next_claim) {
    auto claimed = st.source->claim_idle(cfg.max_entries, error);
    if (!claimed)
      return stream_failed(self, std::move(error));
    st.counters.claimed += claimed->size();
    hold(st, std::move(*claimed));
    st.next_claim = now + cfg.claim_every;
  }
  if (st.held.empty()) {
    auto fresh = st.source->read_new(cfg.max_entries, error);
    if (!fresh)
      return stream_failed(self, std::move(error));
    hold(st, std::move(*fresh));
  }
  if (st.settings.log->valkey_down.exchange(false))
    spdlog::info("db_writer: Valkey is back");
  st.stream_reachable = true;
  st.stream_error.clear();
  if (st.held.empty()) {
    st.failures_in_a_row = 0;
    self->delayed_send(self, cfg.idle_poll, poll_atom::value);
    return;
  }
  if (!write_held(self))
    return;
  st.failures_in_a_row = 0;
  self->send(self, poll_atom::value);
}

} // namespace

db_writer_actor::behavior_type db_writer(self_ptr self,
                                         std::shared_ptr<digest::entry_source> source,
                                         std::shared_ptr<digest::sample_sink> sink,
                                         db_writer_settings settings) {
  auto& st = self->state;
  st.source = std::move(source);
  st.sink = std::move(sink);
  st.settings = std::move(settings);
  if (!st.settings.log)
    st.settings.log = std::make_shared<dependency_log>();
  if (!st.settings.cache)
    st.settings.cache = std::make_shared<digest::series_cache>(st.settings.series_cache_entries);
  self->send(self, poll_atom::value);
  return {
    [self](poll_atom) { cycle(self); },
    [self](status_atom) {
      auto& st = self->state;
      std::string error;
      writer_status status;
      if (auto figures = st.source->backlog(error)) {
        status.backlog = *figures;
        st.last_backlog = figures->length;
      }
      status.stream_reachable = st.stream_reachable;
      status.database_reachable = st.database_reachable;
      status.stream_error = st.stream_error;
      status.database_error = st.database_error;
      status.counters = st.counters;
      return status;
    },
  };
}

} // namespace nodepulse
