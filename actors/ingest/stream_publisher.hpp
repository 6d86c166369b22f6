// The STREAM PUBLISHER: one entry per accepted push, through a backend
// (valkey::stream_client in a node, a fake in tests). Blocking, so
// the node spawns it detached. Pushes that arrive while it writes are
// written together next, in one pipeline: Valkey syncs its append-only file
// once for them all, so durability costs one fsync per batch, not per push.
// It decides what the agent is told:
//
// - stored, or stored before under the same batch id: 200;
// - stream over its backlog: 503, Retry-After 5 s (digest needs time);
// - Valkey unreachable: 503, Retry-After 1 s doubling with each failure in a
//   row up to 30 s, back to 1 s after the next success;
// - Valkey would lose the push in a crash (no append-only file synced on
//   every write) and the operator did not accept that: 503, Retry-After
//   10 s, naming the setting; logged once when it starts and when it ends.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/valkey/stream_client.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse {

// What the publisher needs of Valkey: writing entries (a result each, in
// order), the stream's
// length (which doubles as the readiness probe), and whether the server
// keeps what it acknowledged (read again when stale).
struct stream_backend {
  std::function<std::vector<valkey::publish_result>(
    const std::vector<const valkey::stream_entry*>&)>
    publish;
  std::function<std::optional<int64_t>(std::string& error)> length;
  std::function<valkey::durability_status()> durability;
  bool require_durable = true; // false: valkey.allow_data_loss
};

// The backend of a running node: one blocking hiredis client.
stream_backend valkey_backend(std::shared_ptr<valkey::stream_client> client);

inline constexpr uint32_t backlog_retry_after_s = 5;
inline constexpr uint32_t max_unavailable_retry_after_s = 30;
inline constexpr uint32_t not_durable_retry_after_s = 10;
inline constexpr size_t max_publish_batch = 64; // entries in one pipeline

struct stream_publisher_state {
  static inline constexpr const char* name = "stream_publisher";
  stream_backend backend;
  struct waiting_push {
    valkey::stream_entry entry;
    caf::typed_response_promise<publish_ack> promise;
  };
  std::vector<waiting_push> waiting; // to be written by the next flush
  bool flush_scheduled = false;
  // Self-metrics.
  uint64_t published = 0;
  uint64_t duplicates = 0;
  uint64_t refused_backlog = 0;
  uint64_t unavailable = 0;
  uint64_t refused_not_durable = 0;
  uint32_t failures_in_a_row = 0; // unavailable answers since the last success
  std::string durability_problem; // as last logged; empty: durable or unknown
};

publisher_actor::behavior_type
stream_publisher(publisher_actor::stateful_pointer<stream_publisher_state> self,
                 stream_backend backend);

} // namespace nodepulse
