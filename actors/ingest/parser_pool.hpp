// The PARSER POOL: N parser workers (one per core by default) behind one
// handle. Requests go round-robin; a worker that dies is replaced in its
// slot after the supervisors' backoff (actors/child_slot.hpp), while the
// other workers keep answering.
#pragma once

#include "actors/child_slot.hpp"
#include "actors/ingest/parser_worker.hpp"
#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>

namespace nodepulse {

struct parser_pool_state {
  static inline constexpr const char* name = "parser_pool";
  parser_settings settings;
  child_slots workers; // one slot per worker
  size_t next = 0;     // round-robin cursor
};

parser_pool_actor::behavior_type
parser_pool(parser_pool_actor::stateful_pointer<parser_pool_state> self, uint32_t size,
            parser_settings settings);

} // namespace nodepulse
