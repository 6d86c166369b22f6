// The INGEST SUPERVISOR: starts the parser pool, the stream publisher, the
// token lookup (with tokens in PostgreSQL) and the HTTP acceptor, monitors them, and restarts whichever dies after a
// backoff (actors/child_slot.hpp), telling the acceptor about the
// new pool or publisher. Meanwhile the acceptor answers 503 + Retry-After
// for pushes and keeps serving /healthz: the node keeps answering.
//
// If the very first acceptor cannot listen, the node cannot do anything
// useful: the supervisor quits with the acceptor's reason.
#pragma once

#include "actors/child_slot.hpp"
#include "actors/interfaces.hpp"

#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nodepulse {

// How each child is spawned; the node spawns the publisher detached, tests
// spawn everything on the deterministic scheduler.
struct ingest_children {
  std::function<parser_pool_actor(caf::local_actor*)> parser_pool;
  std::function<publisher_actor(caf::local_actor*)> publisher;
  std::function<http_acceptor_actor(caf::local_actor*)> acceptor;
  // Only with tokens in PostgreSQL; empty otherwise.
  std::function<token_lookup_actor(caf::local_actor*)> token_lookup;
  // Only with a tokens file: reads it again (null and `error` when it does
  // not load); empty otherwise.
  std::function<token_registry_ptr(std::string& error)> reread_tokens;
};

struct ingest_supervisor_state {
  static inline constexpr const char* name = "ingest_supervisor";
  ingest_children spawn;
  // In start order, the acceptor last (it is wired to the others as it
  // starts); stopped the other way round, the acceptor first.
  child_slots children;
  uint32_t parser_pool_slot = 0;
  uint32_t publisher_slot = 0;
  uint32_t token_lookup_slot = 0; // only with tokens in PostgreSQL
  uint32_t acceptor_slot = 0;
  token_registry_ptr tokens; // the tokens file as last reloaded; null: as at start

  parser_pool_actor parser_pool() const {
    return children.get<parser_pool_actor>(parser_pool_slot);
  }
  publisher_actor publisher() const { return children.get<publisher_actor>(publisher_slot); }
  token_lookup_actor token_lookup() const {
    return children.get<token_lookup_actor>(token_lookup_slot);
  }
  http_acceptor_actor acceptor() const { return children.get<http_acceptor_actor>(acceptor_slot); }
};

ingest_supervisor_actor::behavior_type
ingest_supervisor(ingest_supervisor_actor::stateful_pointer<ingest_supervisor_state> self,
                  ingest_children spawn);

} // namespace nodepulse
