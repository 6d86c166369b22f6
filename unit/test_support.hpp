// What every caf-test suite includes after `#define CAF_SUITE <name>`:
// caf-test's DSL and the one actor-system config the suites run under.
#pragma once

// CAF 0.17.6's dsl.hpp uses FAIL without defining it.
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/interfaces.hpp"

#include <caf/actor_system_config.hpp>

namespace nodepulse::test {

// An actor system that knows Node Pulse's message types, as every node's.
struct system_config : caf::actor_system_config {
  system_config() { add_message_types<caf::id_block::nodepulse>(); }
};

} // namespace nodepulse::test
