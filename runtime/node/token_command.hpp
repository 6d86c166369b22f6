// `nodepulse token add|revoke|list`: the agents' tokens where the ingest
// reads them (admiral.agent_tokens or a tokens file, from -c ingest.yml's
// auth keys, --dsn or --tokens-file). `add` prints the new token once on
// stdout and stores only its SHA-256; `revoke` takes a server's tokens or
// one token by the start of its hash; `list` shows servers, hash prefixes
// and, in the database, when each was made and revoked.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 done, 1 the database or file failed (named), 2 usage.
int token_command(int argc, char** argv);

} // namespace nodepulse::node
