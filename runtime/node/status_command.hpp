// `nodepulse status [-c nodepulse.yml | --url http://127.0.0.1:9310]`: asks
// a running agent's status endpoint (/readyz, /metrics) and prints a
// summary a person can read: scrapes per job, what the WAL holds and lost,
// pushes and retries.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 ready, 1 not ready or not reachable, 2 usage or config.
int status_command(int argc, char** argv);

} // namespace nodepulse::node
