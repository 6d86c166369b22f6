// The INGEST LINK (server.transport: caf): the pusher's way to an ingest's
// gateway through CAF's middleman. It connects when a push comes and there
// is no connection, monitors the gateway, and hands each push on with the
// push's timeout. When the connection drops, the down message tells it at
// once: pushes in flight fail then (not at their timeout), the pusher keeps
// the scrapes in the WAL and retries with its backoff, and the next push
// connects again. So the pusher's backoff paces the reconnects.
//
// Connecting blocks (the middleman's handshake), so spawned detached.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace nodepulse {

struct ingest_link_settings {
  std::string where; // "host:port", for errors and logs
  // Connects to the gateway (blocking: middleman or OpenSSL handshake).
  std::function<caf::expected<ingest_gateway_actor>()> connect;
  std::chrono::milliseconds timeout{10'000}; // for each push
};

struct ingest_link_state {
  static inline constexpr const char* name = "ingest_link";
  ingest_link_settings settings;
  ingest_gateway_actor gateway; // null while not connected
  uint64_t next_id = 0;
  uint64_t connects = 0; // connections made
  uint64_t connect_failures = 0;
  uint64_t drops = 0; // connections lost (down messages)
  // Pushes handed to the gateway and not answered yet, by id.
  std::unordered_map<uint64_t, caf::typed_response_promise<http::reply>> pending;
};

ingest_gateway_actor::behavior_type
ingest_link(ingest_gateway_actor::stateful_pointer<ingest_link_state> self,
            ingest_link_settings settings);

} // namespace nodepulse
