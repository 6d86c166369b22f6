// The actor system config every node starts with: Node Pulse's message
// types, and work sharing instead of CAF's default work stealing (idle
// stealing workers poll and sleep in a loop, which on a small machine costs
// the CPU the parsers need: measured 670-740 k vs 450-550 k samples/s on 2
// cores, docs/benchmarks.md; sharing workers block until there is work).
#pragma once

#include "actors/interfaces.hpp"

#include <caf/actor_system_config.hpp>

namespace nodepulse::node {

struct node_system_config : caf::actor_system_config {
  node_system_config() {
    add_message_types<caf::id_block::nodepulse>();
    set("scheduler.policy", caf::atom("sharing"));
  }
};

} // namespace nodepulse::node
