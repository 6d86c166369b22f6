// The STREAM PUBLISHER: one entry per accepted push, through a publish
// function (valkey::stream_client in a node, a fake in tests). Blocking, so
// the node spawns it detached. It decides what the agent is told:
//
// - stored, or stored before under the same batch id: 200;
// - stream over its backlog: 503, Retry-After 5 s (digest needs time);
// - Valkey unreachable: 503, Retry-After 1 s doubling with each failure in a
//   row up to 30 s, back to 1 s after the next success.
#pragma once

#include "actors/interfaces.hpp"
#include "runtime/valkey/stream_client.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <functional>

namespace nodepulse {

using publish_fn =
  std::function<valkey::publish_result(const valkey::stream_entry&)>;

inline constexpr uint32_t backlog_retry_after_s = 5;
inline constexpr uint32_t max_unavailable_retry_after_s = 30;

struct stream_publisher_state {
  static inline constexpr const char* name = "stream_publisher";
  publish_fn publish;
  // Self-metrics.
  uint64_t published = 0;
  uint64_t duplicates = 0;
  uint64_t refused_backlog = 0;
  uint64_t unavailable = 0;
  uint32_t failures_in_a_row = 0; // unavailable answers since the last success
};

publisher_actor::behavior_type
stream_publisher(publisher_actor::stateful_pointer<stream_publisher_state> self,
                 publish_fn publish);

} // namespace nodepulse
