#include "actors/agent/pusher.hpp"

#include "lib/http/deflate.hpp"

#include <caf/actor_clock.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace nodepulse {

namespace {

using self_ptr = pusher_actor::stateful_pointer<pusher_state>;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

void step(self_ptr self);

// At most one poll (now) and one tick (the earliest time something waits
// for) in the mailbox: everything that may make work calls this.
void wake(self_ptr self, caf::actor_clock::duration_type delay = {}) {
  auto& st = self->state;
  if (delay.count() <= 0) {
    if (!st.poll_queued) {
      st.poll_queued = true;
      self->send(self, poll_atom::value);
    }
    return;
  }
  auto due = self->clock().now() + delay;
  if (st.tick_due && *st.tick_due <= due)
    return;
  st.tick_due = due;
  self->delayed_send(self, delay, tick_atom::value);
}

double jitter(pusher_settings& s) {
  if (s.jitter)
    return s.jitter();
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(random);
}

// `sequence` is done (pushed, or dropped for good): move the cursor over
// everything done in a row and tell the buffer.
void mark_done(self_ptr self, uint64_t sequence) {
  auto& st = self->state;
  if (sequence <= st.cursor)
    return;
  st.done_ahead.insert(sequence);
  auto before = st.cursor;
  while (!st.done_ahead.empty() && *st.done_ahead.begin() == st.cursor + 1) {
    st.cursor = *st.done_ahead.begin();
    st.done_ahead.erase(st.done_ahead.begin());
  }
  if (st.cursor > before) {
    st.status.acknowledged = st.cursor;
    self->send(st.buffer, ack_atom::value, st.cursor);
  }
}

// Sends one scrape; false when it failed in a way worth retrying.
bool push(self_ptr self, const buffered_scrape& scrape, bool fresh) {
  auto& st = self->state;
  auto& s = st.settings;
  std::string json;
  if (s.legacy_json) {
    std::string why;
    json = st.legacy->report(scrape.text, scrape.time_ms, s.server_id, why);
    if (json.empty()) { // nothing to report, ever: like a 4xx
      ++st.status.dropped;
      st.status.last_error = why;
      spdlog::error("pusher: scrape {} dropped: {}", scrape.sequence, why);
      mark_done(self, scrape.sequence);
      return true;
    }
  }
  const auto& plain = s.legacy_json ? json : scrape.text;
  // zstd level 1: a tenth of the text, and half the transient memory of level 3.
  auto body = http::deflate(s.encoding, plain, s.encoding == http::content_encoding::zstd ? 1 : 6);
  agent::header_list headers{
    {"Content-Type", s.legacy_json ? "application/json" : "text/plain; version=0.0.4"},
    {"X-Batch-Id", batch_id_of(s.server_id, st.epoch, scrape.sequence)}};
  st.drops.refused = st.status.dropped;
  headers.emplace_back("X-Agent-Dropped", http::format_agent_drops(st.drops));
  if (s.encoding == http::content_encoding::zstd)
    headers.emplace_back("Content-Encoding", "zstd");
  else if (s.encoding == http::content_encoding::gzip)
    headers.emplace_back("Content-Encoding", "gzip");
  if (!s.token.empty())
    headers.emplace_back("Authorization", "Bearer " + s.token);
  auto started = std::chrono::steady_clock::now();
  auto answer = s.post(body, headers);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto& status = st.status;
  if (answer.status >= 200 && answer.status < 300) {
    ++status.pushed;
    status.pushed_fresh += fresh ? 1 : 0;
    status.pushed_bytes += body.size();
    status.latency.observe(seconds);
    if (status.failures_in_row > 0)
      spdlog::info("pusher: the ingest takes pushes again after {} failed attempts",
                   status.failures_in_row);
    status.failures_in_row = 0;
    mark_done(self, scrape.sequence);
    return true;
  }
  // 401 and 403 say the agent's token or certificate is wrong, not the
  // batch: dropping would lose everything until an operator fixes it.
  bool retry = answer.status == 0 || answer.status == 429 || answer.status >= 500
               || answer.status == 401 || answer.status == 403 || answer.status < 200;
  auto why = answer.status == 0
               ? answer.error
               : "HTTP " + std::to_string(answer.status) + ": " + answer.body.substr(0, 512);
  status.last_error = why;
  if (!retry) {
    ++status.dropped;
    spdlog::error("pusher: the ingest refused scrape {} (scraped at {} ms) for good, "
                  "dropped: {}",
                  scrape.sequence, scrape.time_ms, why);
    mark_done(self, scrape.sequence);
    return true;
  }
  ++status.retries;
  ++status.failures_in_row;
  auto delay =
    agent::push_backoff(s.backoff, status.failures_in_row, jitter(s), answer.retry_after_s);
  st.retry_at = self->clock().now() + delay;
  // Whatever was queued stays in the buffer: it comes back in order through
  // the replay lane once the ingest answers again.
  st.fresh.clear();
  st.replay.clear();
  st.replay_needed = true;
  if (status.failures_in_row == 1) // the first of a run: later ones say nothing new
    spdlog::warn("pusher: push failed ({}); retrying in {} ms", why, delay.count());
  else
    spdlog::debug("pusher: push failed ({}); retrying in {} ms", why, delay.count());
  return false;
}

// Replay tokens: replay_per_second, up to a second's worth saved.
bool take_token(self_ptr self, caf::actor_clock::duration_type& wait) {
  auto& st = self->state;
  auto rate = std::max(st.settings.replay_per_second, 0.001);
  auto now = self->clock().now();
  auto elapsed = std::chrono::duration<double>(now - st.tokens_at).count();
  st.tokens = std::min(std::max(rate, 1.0), st.tokens + elapsed * rate);
  st.tokens_at = now;
  if (st.tokens >= 1) {
    st.tokens -= 1;
    return true;
  }
  wait = duration_cast<caf::actor_clock::duration_type>(
    std::chrono::duration<double>((1 - st.tokens) / rate));
  return false;
}

void note_drops(pusher_state& st, const buffer_status& s) {
  st.drops.through = s.dropped_through;
  st.drops.retention = s.dropped_retention;
  st.drops.size = s.dropped_size;
  st.drops.torn = s.truncated_tail;
  st.drops.corrupt = s.skipped_corrupt;
}

void ask_drops(self_ptr self) {
  self->request(self->state.buffer, caf::infinite, status_atom::value)
    .then([self](buffer_status& s) { note_drops(self->state, s); },
          [](caf::error&) {}); // the take that follows reports a silent buffer
}

void take_backlog(self_ptr self) {
  auto& st = self->state;
  st.taking = true;
  ask_drops(self);
  self->request(st.buffer, caf::infinite, take_atom::value, st.cursor, st.settings.replay_take)
    .then(
      [self](std::vector<buffered_scrape>& records) {
        auto& st = self->state;
        st.taking = false;
        if (records.empty()) {
          st.replay_needed = false;
        } else if (records.front().sequence > st.cursor + 1) {
          // What lies between was acknowledged before, or dropped by the buffer.
          auto first = records.front().sequence;
          while (!st.done_ahead.empty() && *st.done_ahead.begin() < first)
            st.done_ahead.erase(st.done_ahead.begin());
          st.cursor = first - 1;
        }
        for (auto& r : records) {
          st.highest_seen = std::max(st.highest_seen, r.sequence);
          st.replay.push_back(std::move(r));
        }
        wake(self);
      },
      [self](caf::error& err) {
        self->state.taking = false;
        spdlog::error("pusher: the buffer did not answer: {}", self->system().render(err));
        wake(self, std::chrono::seconds{1});
      });
}

void step(self_ptr self) {
  auto& st = self->state;
  if (st.epoch == 0 || st.taking)
    return;
  auto now = self->clock().now();
  if (now < st.retry_at)
    return wake(self, st.retry_at - now);
  while (!st.fresh.empty()) {
    auto scrape = std::move(st.fresh.front());
    st.fresh.pop_front();
    if (scrape.sequence <= st.cursor || st.done_ahead.count(scrape.sequence) > 0)
      continue;
    push(self, scrape, true);
    return wake(self);
  }
  while (!st.replay.empty()) {
    auto& next = st.replay.front();
    if (next.sequence <= st.cursor || st.done_ahead.count(next.sequence) > 0) {
      mark_done(self, next.sequence);
      st.replay.pop_front();
      continue;
    }
    caf::actor_clock::duration_type wait{};
    if (!take_token(self, wait))
      return wake(self, wait);
    auto scrape = std::move(next);
    st.replay.pop_front();
    push(self, scrape, false);
    return wake(self);
  }
  if (st.replay_needed)
    take_backlog(self);
}

} // namespace

std::string batch_id_of(const std::string& server_id, uint64_t epoch, uint64_t sequence) {
  char tail[48];
  std::snprintf(tail, sizeof tail, ":%016llx:%llu", static_cast<unsigned long long>(epoch),
                static_cast<unsigned long long>(sequence));
  return server_id + tail;
}

pusher_actor::behavior_type pusher(self_ptr self, pusher_settings settings, buffer_actor buffer) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.buffer = std::move(buffer);
  st.tokens_at = self->clock().now();
  st.tokens = std::max(st.settings.replay_per_second, 1.0);
  self->request(st.buffer, caf::infinite, status_atom::value)
    .then(
      [self](buffer_status& s) {
        auto& st = self->state;
        st.epoch = s.epoch;
        note_drops(st, s);
        st.cursor = s.acknowledged;
        st.highest_seen = std::max(st.highest_seen, s.acknowledged);
        st.status.acknowledged = s.acknowledged;
        wake(self);
      },
      [self](caf::error& err) {
        self->quit(caf::make_error(caf::sec::runtime_error, "pusher: the buffer did not answer: "
                                                              + self->system().render(err)));
      });
  return {
    [self](publish_atom, buffered_scrape& scrape) {
      auto& st = self->state;
      if (scrape.sequence > st.highest_seen + 1)
        st.replay_needed = true; // something in between was never handed over
      st.highest_seen = std::max(st.highest_seen, scrape.sequence);
      if (st.status.failures_in_row > 0) {
        st.replay_needed = true; // failing: it waits in the buffer, in order
        return;
      }
      st.fresh.push_back(std::move(scrape));
      if (st.fresh.size() > 4) { // the ingest is slower than the scrapers
        st.fresh.pop_front();
        st.replay_needed = true;
      }
      wake(self);
    },
    [self](poll_atom) {
      self->state.poll_queued = false;
      step(self);
    },
    [self](tick_atom) {
      auto& st = self->state;
      if (st.tick_due && *st.tick_due <= self->clock().now())
        st.tick_due.reset();
      step(self);
    },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse
