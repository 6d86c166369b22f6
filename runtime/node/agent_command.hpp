// `nodepulse agent -c /etc/nodepulse/nodepulse.yml`: the agent node.
// Scrapes, keeps every scrape in the WAL, pushes. SIGHUP reloads the
// config; SIGTERM / SIGINT flush the WAL and exit 0.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 stopped by a signal, 1 could not start (status port, WAL
// directory, server id file), 2 usage or config.
int agent_command(int argc, char** argv);

} // namespace nodepulse::node
