// `nodepulse agent -c /etc/nodepulse/nodepulse.yml`: the agent node.
// Scrapes, keeps every scrape in the WAL, pushes. SIGHUP reloads the
// config; SIGTERM / SIGINT flush the WAL and exit 0.
#pragma once

#include "runtime/node/agent_node.hpp"
#include "runtime/node/remoting.hpp"

#include <string>

namespace nodepulse::node {

// Distributed mode's part of the agent (server.transport: caf). Loading
// CAF's middleman and OpenSSL module costs an agent ~1.7 MB of RSS, so only
// the full `nodepulse` binary links it and passes these; nodepulse-agent
// passes none and refuses a caf config, which `nodepulse agent` then runs
// itself (agent_config_uses_caf).
struct agent_remoting {
  void (*enable)(caf::actor_system_config&, const remoting_tls&);
  bool (*check_tls)(const remoting_tls&, std::string&);
  push_route (*route)(caf::actor_system&);
};

// Exit codes: 0 stopped by a signal, 1 could not start (status port, WAL
// directory, server id file), 2 usage or config.
int agent_command(int argc, char** argv, const agent_remoting* remoting = nullptr);

// Whether `-c FILE` among the arguments names a config that loads and says
// server.transport: caf (false on any problem: the agent reports it).
bool agent_config_uses_caf(int argc, char** argv);

} // namespace nodepulse::node
