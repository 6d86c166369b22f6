// `nodepulse ingest -c ingest.yml`: the ingest node. Runs until SIGTERM or
// SIGINT (then stops accepting, finishes nothing new, exits 0), or until it
// cannot listen (exits 1 with the reason).
#pragma once

namespace nodepulse::node {

// Exit codes: 0 stopped by a signal, 1 could not start, 2 usage or config.
int ingest_command(int argc, char** argv);

} // namespace nodepulse::node
