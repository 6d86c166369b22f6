// The PARSER POOL: N parser workers (one per core by default) behind one
// handle. Requests go round-robin; a worker that dies is replaced after a
// backoff that doubles with each death in its slot (50 ms up to 10 s),
// while the other workers keep answering.
#pragma once

#include "actors/ingest/parser_worker.hpp"
#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace nodepulse {

struct parser_pool_state {
  static inline constexpr const char* name = "parser_pool";

  struct slot {
    parser_actor worker; // invalid while waiting to be respawned
    uint32_t deaths = 0;
  };

  parser_settings settings;
  // Shared with the functor that stops the workers when the pool ends.
  std::shared_ptr<std::vector<slot>> slots = std::make_shared<std::vector<slot>>();
  size_t next = 0;        // round-robin cursor
  uint64_t restarts = 0;  // workers respawned, for self-metrics
};

parser_pool_actor::behavior_type
parser_pool(parser_pool_actor::stateful_pointer<parser_pool_state> self,
            uint32_t size, parser_settings settings);

} // namespace nodepulse
