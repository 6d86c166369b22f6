// The STREAM PUBLISHER: one entry per accepted push, through a backend
// (valkey::stream_client in a node, a fake in tests). Blocking, so
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
#include <memory>
#include <optional>
#include <string>

namespace nodepulse {

// What the publisher needs of Valkey: writing one entry, and the stream's
// length (which doubles as the readiness probe).
struct stream_backend {
  std::function<valkey::publish_result(const valkey::stream_entry&)> publish;
  std::function<std::optional<int64_t>(std::string& error)> length;
};

// The backend of a running node: one blocking hiredis client.
stream_backend valkey_backend(std::shared_ptr<valkey::stream_client> client);

inline constexpr uint32_t backlog_retry_after_s = 5;
inline constexpr uint32_t max_unavailable_retry_after_s = 30;

struct stream_publisher_state {
  static inline constexpr const char* name = "stream_publisher";
  stream_backend backend;
  // Self-metrics.
  uint64_t published = 0;
  uint64_t duplicates = 0;
  uint64_t refused_backlog = 0;
  uint64_t unavailable = 0;
  uint32_t failures_in_a_row = 0; // unavailable answers since the last success
};

publisher_actor::behavior_type
stream_publisher(publisher_actor::stateful_pointer<stream_publisher_state> self,
                 stream_backend backend);

} // namespace nodepulse
