// `nodepulse token` against admiral.agent_tokens (sql/001_agent_tokens.sql):
// add a token's hash for a server, revoke (revoked_at = now(); the ingest
// stops taking it within its auth.cache_ttl), list. One short connection
// per call: these are an operator's commands, not a hot path.
#pragma once

#include "lib/ingest/token_admin.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace nodepulse::pg {

// Each returns "" or the database's message.
std::string add_token(const std::string& dsn, const std::string& server_id,
                      const std::string& token_hash);

// The working tokens of `server_id`, or the one whose hash starts with
// `hash_prefix`; `revoked` is how many.
std::string revoke_tokens(const std::string& dsn, const std::string& server_id,
                          const std::string& hash_prefix, size_t& revoked);

std::string list_tokens(const std::string& dsn, std::vector<ingest::token_entry>& out);

} // namespace nodepulse::pg
