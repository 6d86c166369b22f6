// The agent's push route for distributed mode, in the remoting library (only
// the full `nodepulse` binary links CAF's middleman; see agent_command.hpp).
#pragma once

#include "runtime/node/agent_node.hpp"

#include <caf/fwd.hpp>

namespace nodepulse::node {

// Through CAF's middleman (server.transport: caf) to the gateway an ingest
// publishes on caf.listen = server.endpoint; TLS with server.tls's three
// files. Each route made spawns its INGEST LINK in `sys` (detached), which
// stops when the last copy of the push function is gone.
push_route caf_push_route(caf::actor_system& sys);

} // namespace nodepulse::node
