// The INGEST GATEWAY: what an ingest publishes on caf.listen for agents
// with server.transport: caf. A narrow front, not the supervisor: a peer can
// only push. Each push is stamped on arrival and handed to the ingest
// supervisor as the exchange its HTTP acceptor would have made of it, so
// auth, parsing, the stream and the answer are those of an HTTP push; the
// acceptor's reply goes back to the agent as the response.
//
// It lives as long as the ingest supervisor (it monitors it) and ignores
// exit messages from other nodes: a peer cannot shut the gateway down.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace nodepulse {

struct ingest_gateway_state {
  static inline constexpr const char* name = "ingest_gateway";

  uint64_t next_id = 0;
  // Pushes handed to the ingest and not answered yet, by id.
  std::unordered_map<uint64_t, caf::typed_response_promise<http::reply>> pending;
  uint64_t pushes = 0;
  uint64_t ignored_exits = 0;      // exit messages from peers, ignored
  std::function<int64_t()> now_ms; // wall clock in ms; the system's if empty
};

ingest_gateway_front_actor::behavior_type
ingest_gateway(ingest_gateway_front_actor::stateful_pointer<ingest_gateway_state> self,
               ingest_supervisor_actor ingest, std::function<int64_t()> now_ms = {});

} // namespace nodepulse
