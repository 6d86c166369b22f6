// The LOSS DETECTOR: every `every`, one pass of the detection in
// PostgreSQL (lib/pg/loss_store.hpp): an agent hands out sequences one
// after another within a WAL epoch, so a sequence still missing `settle`
// after a later one of its epoch was committed is lost - unless the stream
// may still hold it: a batch acknowledged to its agent waits in the stream
// until a writer commits it, through a dead writer's idle timeout or a
// PostgreSQL outage of any length. So each pass first asks Valkey how long
// the oldest entry still in the stream has waited, and a gap must stay
// open `settle` plus that long; no pass runs while Valkey does not answer
// (a gap then cannot be told from a backlog). Each gap is logged
// once, naming the server, epoch and range: the part the agent says its WAL
// caps dropped (X-Agent-Dropped) as a warning, the rest, lost after the
// agent let it go, as an error; each new epoch of a
// server (its WAL wiped, or cut in recovery) as a warning; both are
// recorded in the database by the pass itself and counted here for
// /metrics. Several digests may run one each: the pass takes an advisory
// lock, and a pass that does not get it finds nothing.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/pg/loss_store.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse {

struct loss_detector_settings {
  std::chrono::seconds settle{3600};       // digest loss_detector.after
  std::chrono::milliseconds every{60'000}; // digest loss_detector.every
};

// One pass: what it found, or nullopt and `error` set.
using loss_pass = std::function<std::optional<std::vector<pg::loss_event>>(
  std::chrono::seconds settle, std::string& error)>;

// How long the oldest entry still in the stream has waited (0: empty), or
// nullopt and `error` set when Valkey did not answer.
using stream_backlog_age =
  std::function<std::optional<std::chrono::milliseconds>(std::string& error)>;

struct loss_detector_state {
  static inline constexpr const char* name = "loss_detector";
  loss_pass pass;
  stream_backlog_age backlog_age;
  loss_detector_settings settings;
  loss_status status;
};

loss_detector_actor::behavior_type
loss_detector(loss_detector_actor::stateful_pointer<loss_detector_state> self, loss_pass pass,
              stream_backlog_age backlog_age, loss_detector_settings settings);

} // namespace nodepulse
