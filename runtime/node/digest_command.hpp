// `nodepulse digest -c digest.yml`: the digest node (Valkey stream ->
// admiral.metric_samples). Runs until SIGTERM or SIGINT (exit 0), or until
// it cannot listen on status.listen (exit 1 with the reason). Unreachable
// Valkey or PostgreSQL are waited for, never fatal.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 stopped by a signal, 1 could not start, 2 usage or config.
int digest_command(int argc, char** argv);

} // namespace nodepulse::node
