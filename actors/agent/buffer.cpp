#include "actors/agent/buffer.hpp"

#include "lib/base/wall_clock.hpp"

#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace nodepulse {

namespace {

using self_ptr = buffer_actor::stateful_pointer<buffer_state>;

buffer_status status_of(buffer_state& st) {
  if (!st.log) {
    auto s = st.memory_status;
    s.records = st.memory.size();
    s.bytes = st.memory_bytes;
    s.oldest_time_ms = st.memory.empty() ? 0 : st.memory.front().time_ms;
    return s;
  }
  const auto& f = st.log->figures();
  buffer_status s;
  s.durable = true;
  s.epoch = st.log->epoch();
  s.acknowledged = st.log->acknowledged();
  s.records = f.records;
  s.bytes = f.bytes;
  s.oldest_time_ms = f.oldest_time_ms;
  s.dropped_retention = f.dropped_retention;
  s.dropped_size = f.dropped_size;
  s.dropped_through = f.dropped_through;
  s.truncated_tail = f.truncated_tail;
  s.skipped_corrupt = f.skipped_corrupt;
  s.write_failures = f.write_failures;
  return s;
}

// Logs what was lost since the last report: an operator must hear of it.
void report_losses(buffer_state& st) {
  auto now = status_of(st);
  auto& was = st.reported;
  if (now.dropped_retention > was.dropped_retention)
    spdlog::warn("buffer: dropped {} scrapes older than the retention",
                 now.dropped_retention - was.dropped_retention);
  if (now.dropped_size > was.dropped_size)
    spdlog::warn("buffer: dropped {} of the oldest scrapes to stay within the size limit",
                 now.dropped_size - was.dropped_size);
  if (now.skipped_corrupt > was.skipped_corrupt)
    spdlog::warn("buffer: skipped {} corrupt records in the WAL",
                 now.skipped_corrupt - was.skipped_corrupt);
  was = now;
}

void drop_oldest_in_memory(buffer_state& st, uint64_t& counter) {
  st.memory_status.dropped_through = st.memory.front().sequence;
  st.memory_bytes -= st.memory.front().text.size();
  st.memory.pop_front();
  ++counter;
}

} // namespace

buffer_actor::behavior_type buffer(self_ptr self, buffer_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  if (st.settings.durable) {
    std::string error;
    st.log = wal::write_ahead_log::open(st.settings.wal, error);
    if (!st.log) {
      self->quit(caf::make_error(caf::sec::runtime_error, "buffer: " + error));
    } else {
      const auto& f = st.log->figures();
      spdlog::info("buffer: WAL {} holds {} scrapes ({} bytes); {} torn and {} corrupt "
                   "records dropped at recovery",
                   st.settings.wal.dir, f.records, f.bytes, f.truncated_tail, f.skipped_corrupt);
      st.reported = status_of(st);
    }
  } else {
    std::random_device random;
    st.memory_status.durable = false;
    st.memory_status.epoch = (static_cast<uint64_t>(random()) << 32) ^ random() ^ 1;
  }
  self->delayed_send(self, st.settings.tick, tick_atom::value);
  return {
    [self](append_atom, buffered_scrape& scrape) -> uint64_t {
      auto& st = self->state;
      if (st.log) {
        std::string error;
        auto seq = st.log->append(scrape.time_ms, scrape.text, error);
        if (seq == 0)
          spdlog::error("buffer: scrape not kept: {}", error);
        report_losses(st);
        return seq;
      }
      scrape.sequence = st.memory_next++;
      st.memory_bytes += scrape.text.size();
      st.memory.push_back(std::move(scrape));
      auto& dropped = st.memory_status.dropped_size;
      while (st.memory.size() > st.settings.memory_max_records
             || (st.memory.size() > 1 && st.memory_bytes > st.settings.memory_max_bytes))
        drop_oldest_in_memory(st, dropped);
      report_losses(st);
      return st.memory.back().sequence;
    },
    [self](take_atom, uint64_t after, uint32_t max) {
      auto& st = self->state;
      std::vector<buffered_scrape> out;
      if (st.log) {
        for (auto& r : st.log->read(after, max))
          out.push_back({r.sequence, r.time_ms, std::move(r.data)});
        report_losses(st);
        return out;
      }
      for (const auto& s : st.memory)
        if (s.sequence > after && out.size() < max)
          out.push_back(s);
      return out;
    },
    [self](ack_atom, uint64_t sequence) {
      auto& st = self->state;
      if (st.log)
        return st.log->acknowledge(sequence);
      st.memory_status.acknowledged = std::max(st.memory_status.acknowledged, sequence);
      while (!st.memory.empty() && st.memory.front().sequence <= sequence) {
        st.memory_bytes -= st.memory.front().text.size();
        st.memory.pop_front();
      }
    },
    [self](tick_atom) {
      auto& st = self->state;
      auto now = wall_clock_ms(st.settings.now_ms);
      if (st.log) {
        st.log->enforce_limits(now);
      } else {
        auto oldest = now - st.settings.wal.retention_ms;
        while (!st.memory.empty() && st.memory.front().time_ms < oldest)
          drop_oldest_in_memory(st, st.memory_status.dropped_retention);
      }
      report_losses(st);
      self->delayed_send(self, st.settings.tick, tick_atom::value);
    },
    [self](status_atom) { return status_of(self->state); },
  };
}

} // namespace nodepulse
