// The TOKEN LOOKUP: whom an agent token belongs to, from admiral.agent_tokens,
// through a lookup function (pg::token_store in a node, a fake in tests).
// Blocking, so the node spawns it detached; the acceptor caches its answers
// for auth.cache_ttl, so a fleet pushing every 15 s asks rarely.
#pragma once

#include "actors/interfaces.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <string>

namespace nodepulse {

using token_lookup_fn = std::function<token_answer(const std::string& token_hash)>;

struct token_lookup_state {
  static inline constexpr const char* name = "token_lookup";
  token_lookup_fn lookup;
  uint64_t lookups = 0;
  uint64_t failures = 0;
  bool reachable = true; // as of the last lookup, to log changes once
};

token_lookup_actor::behavior_type
token_lookup(token_lookup_actor::stateful_pointer<token_lookup_state> self, token_lookup_fn lookup);

// The lookup function of a running node: one libpq connection to `dsn`.
token_lookup_fn postgres_token_lookup(const std::string& dsn);

} // namespace nodepulse
