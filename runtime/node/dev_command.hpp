// `nodepulse dev -c config/dev.yml`: the whole pipeline in one process.
// Scrapers -> buffer -> pusher -> (a message, no socket) -> ingest's
// acceptor -> parser pool -> stream publisher -> Valkey -> DB writers ->
// PostgreSQL; the ingest still listens for other agents, and each role
// keeps its status endpoint. SIGHUP reloads the agent's part; SIGTERM /
// SIGINT stop everything.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 stopped by a signal, 1 could not start, 2 usage or config.
int dev_command(int argc, char** argv);

} // namespace nodepulse::node
