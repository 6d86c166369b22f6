// The INGEST SUPERVISOR: starts the parser pool, the stream publisher, the
// token lookup (with tokens in PostgreSQL) and the HTTP acceptor, monitors them, and restarts whichever dies after a
// backoff (runtime/node/restart_backoff.hpp), telling the acceptor about the
// new pool or publisher. Meanwhile the acceptor answers 503 + Retry-After
// for pushes and keeps serving /healthz: the node keeps answering.
//
// If the very first acceptor cannot listen, the node cannot do anything
// useful: the supervisor quits with the acceptor's reason.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

namespace nodepulse {

// How each child is spawned; the node spawns the publisher detached, tests
// spawn everything on the deterministic scheduler.
struct ingest_children {
  std::function<parser_pool_actor(caf::local_actor*)> parser_pool;
  std::function<publisher_actor(caf::local_actor*)> publisher;
  std::function<http_acceptor_actor(caf::local_actor*)> acceptor;
  // Only with tokens in PostgreSQL; empty otherwise.
  std::function<token_lookup_actor(caf::local_actor*)> token_lookup;
};

struct ingest_supervisor_state {
  static inline constexpr const char* name = "ingest_supervisor";

  // The acceptor last: it is wired to the others as it starts.
  enum child : uint32_t {
    parser_pool_child,
    publisher_child,
    token_lookup_child,
    acceptor_child,
    child_count
  };

  struct handles {
    parser_pool_actor parser_pool;
    publisher_actor publisher;
    token_lookup_actor token_lookup;
    http_acceptor_actor acceptor;
  };

  ingest_children spawn;
  // Shared with the functor that stops the children when the supervisor ends.
  std::shared_ptr<handles> children = std::make_shared<handles>();
  std::array<uint32_t, child_count> deaths{};
  std::array<uint32_t, child_count> incarnations{};
  uint64_t restarts = 0;
};

ingest_supervisor_actor::behavior_type
ingest_supervisor(ingest_supervisor_actor::stateful_pointer<ingest_supervisor_state> self,
                  ingest_children spawn);

} // namespace nodepulse
