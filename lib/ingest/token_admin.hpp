// What `nodepulse token add|revoke|list` does to where the ingest reads its
// tokens from: admiral.agent_tokens (lib/pg/token_admin.hpp) or a tokens
// file (here). Only a token's SHA-256 is ever stored; the token itself is
// shown once, by the command.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nodepulse::ingest {

struct token_entry {
  std::string server_id;
  std::string token_hash; // 64 lowercase hex digits
  std::string created_at; // "" where not kept (a tokens file)
  std::string revoked_at; // "" while the token works
};

// Each returns "" or what went wrong, naming the file (and line).

// Appends `server_id hash` to the tokens file at `path` (made 0600 when new).
std::string tokens_file_add(const std::string& path, const std::string& server_id,
                            const std::string& token_hash);

// Removes the tokens of `server_id`, or the one token whose hash starts with
// `hash_prefix`, leaving a comment of what was revoked and when; the file is
// replaced whole (written beside it, synced, renamed), keeping its mode.
// `revoked` is how many went.
std::string tokens_file_revoke(const std::string& path, const std::string& server_id,
                               const std::string& hash_prefix, size_t& revoked);

std::string tokens_file_list(const std::string& path, std::vector<token_entry>& out);

} // namespace nodepulse::ingest
