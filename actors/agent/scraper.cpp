#include "actors/agent/scraper.hpp"

#include "lib/agent/scrape_text.hpp"
#include "lib/base/wall_clock.hpp"
#include "lib/text/redact.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <limits>

#include <spdlog/spdlog.h>

namespace nodepulse {

namespace {

using self_ptr = scraper_actor::stateful_pointer<scraper_state>;

void schedule_next(self_ptr self) {
  auto& st = self->state;
  auto now = wall_clock_ms(st.settings.now_ms);
  const auto interval = st.settings.interval.count();
  // A scrape that overran its slot skips the slots it missed.
  st.next_due_ms =
    next_aligned_ms(std::max(now, st.next_due_ms + interval), interval, st.settings.offset.count());
  self->delayed_send(self, std::chrono::milliseconds{st.next_due_ms - now}, poll_atom::value);
}

void scrape(self_ptr self) {
  auto& st = self->state;
  auto& status = st.status;
  // The timer may fire a hair before the slot: the scrape is the slot's.
  auto started_ms = std::max(wall_clock_ms(st.settings.now_ms), st.next_due_ms);
  auto started = std::chrono::steady_clock::now();
  auto answer = st.settings.fetch();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto made =
    agent::make_scrape_text({answer.status, answer.body, answer.content_type, answer.error},
                            st.settings.job, started_ms, seconds, st.settings.filter.get());
  status.samples += made.samples - made.dropped;
  status.dropped += made.dropped;
  status.bad_lines += made.bad_lines;
  if (made.bad_lines > 0)
    spdlog::warn("scraper {}: skipped {} malformed lines of {}; first: {}", st.settings.job,
                 made.bad_lines, status.url, made.problem);
  if (made.up != status.last_up || status.up + status.down == 0) {
    if (made.up)
      spdlog::info("scraper {}: {} is up ({} samples)", st.settings.job, status.url, made.samples);
    else
      spdlog::warn("scraper {}: {} is down: {}", st.settings.job, status.url, made.problem);
  }
  ++(made.up ? status.up : status.down);
  status.last_up = made.up;
  status.last_problem = made.up ? "" : made.problem;
  buffered_scrape kept{0, started_ms, std::move(made.text)};
  self->request(st.buffer, caf::infinite, append_atom::value, kept)
    .then(
      [self, kept](uint64_t sequence) mutable {
        auto& st = self->state;
        if (sequence == 0) { // the buffer logged why
          ++st.status.not_kept;
          return;
        }
        kept.sequence = sequence;
        if (st.pusher)
          self->send(st.pusher, publish_atom::value, std::move(kept));
      },
      [self](caf::error& err) {
        ++self->state.status.not_kept;
        spdlog::error("scraper {}: the buffer did not answer: {}", self->state.settings.job,
                      self->system().render(err));
      });
}

} // namespace

int64_t next_aligned_ms(int64_t now_ms, int64_t interval_ms, int64_t offset_ms) {
  auto base = now_ms - offset_ms;
  auto slot = base >= 0 ? (base + interval_ms - 1) / interval_ms : -((-base) / interval_ms);
  return slot * interval_ms + offset_ms;
}

scraper_actor::behavior_type scraper(self_ptr self, scraper_settings settings, buffer_actor buffer,
                                     pusher_actor pusher) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.buffer = std::move(buffer);
  st.pusher = std::move(pusher);
  st.status.job = st.settings.job;
  st.status.url = text::redact_url(st.settings.url); // what logs and /metrics show
  st.next_due_ms = std::numeric_limits<int64_t>::min() / 2;
  schedule_next(self);
  return {
    [self](poll_atom) {
      scrape(self);
      schedule_next(self);
    },
    [self](wire_atom, pusher_actor& pusher) { self->state.pusher = std::move(pusher); },
    [self](status_atom) { return self->state.status; },
  };
}

} // namespace nodepulse
