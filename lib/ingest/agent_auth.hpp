// Who is pushing: the wire contract's identity rules, without the server.
//
// - auth.mode none: the `server_id` query parameter names the server.
// - auth.mode token: `Authorization: Bearer <token>` names it; a token may
//   push only as its own server (another server_id in the query is 403).
//
// Tokens are stored hashed (SHA-256, hex): agent tokens are long random
// secrets, not passwords, so a fast hash is safe and keeps each push cheap.
#pragma once

#include "lib/text/uuid.hpp"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <unordered_map>
#include <vector>

namespace nodepulse::ingest {

using text::valid_uuid; // 8-4-4-4-12 hexadecimal digits, any case

// SHA-256 of `token`, as 64 lowercase hex digits (what tokens files and
// admiral.agent_tokens store).
std::string hash_token(std::string_view token);

// A new agent token: 32 random bytes (OpenSSL's generator) as 64 hex digits.
std::string new_token();

// Token hashes -> server ids, from a tokens file: one `<server_id>
// <sha256-hex>` pair per line, `#` comments and blank lines allowed.
class token_registry {
public:
  // Returns "" or the first problem, as "line L: reason".
  std::string load(std::string_view file_text);

  // The server a token belongs to, if any.
  std::optional<std::string> server_of(std::string_view token) const;

  size_t size() const { return by_hash_.size(); }

private:
  std::unordered_map<std::string, std::string> by_hash_;
};

// A tokens file read and loaded; null and `error` ("PATH: line L: why", or
// why it cannot be read) otherwise.
std::shared_ptr<token_registry> read_tokens_file(const std::string& path, std::string& error);

// Remembers database answers for a while, both "belongs to X" and "unknown",
// so a fleet pushing every 15 s does not query PostgreSQL per push. Bounded:
// when full it forgets everything (cheap, and the next pushes refill it).
class token_cache {
public:
  token_cache(int64_t ttl_ms, size_t max_entries) : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  // nullopt: not cached (ask the database); otherwise the cached answer,
  // whose value is nullopt for "no such token".
  std::optional<std::optional<std::string>> find(const std::string& token_hash,
                                                 int64_t now_ms) const;

  void put(const std::string& token_hash, std::optional<std::string> server_id, int64_t now_ms);

  size_t size() const { return entries_.size(); }

private:
  struct entry {
    std::optional<std::string> server_id;
    int64_t expires_ms;
  };
  int64_t ttl_ms_;
  size_t max_entries_;
  std::unordered_map<std::string, entry> entries_;
};

struct auth_decision {
  int status = 200;      // 200, 400, 401 or 403
  std::string server_id; // who pushes, when 200
  std::string error;     // for the error response otherwise
};

// The decision for one request. `authorization` is the header's value ("" if
// absent), `query_server_id` the query parameter ("" if absent), and
// `lookup` maps a token to its server (registry or cache + database).
template <class Lookup>
auth_decision authorize(bool token_mode, std::string_view authorization,
                        std::string_view query_server_id, Lookup&& lookup);

// -- implementation of the template ------------------------------------------

namespace detail {
auth_decision check_query_server_id(std::string_view query_server_id);
std::optional<std::string_view> bearer_token(std::string_view authorization);
} // namespace detail

template <class Lookup>
auth_decision authorize(bool token_mode, std::string_view authorization,
                        std::string_view query_server_id, Lookup&& lookup) {
  if (!token_mode)
    return detail::check_query_server_id(query_server_id);
  auto token = detail::bearer_token(authorization);
  if (!token)
    return {401, "",
            authorization.empty() ? "missing Authorization: Bearer token"
                                  : "Authorization must be 'Bearer <token>'"};
  std::optional<std::string> owner = lookup(*token);
  if (!owner)
    return {401, "", "unknown or revoked token"};
  if (!query_server_id.empty()) {
    auto q = detail::check_query_server_id(query_server_id); // lower-cased when valid
    if (q.status != 200)
      return q;
    if (q.server_id != *owner)
      return {403, "", "this token may push only as server " + *owner};
  }
  return {200, *owner, ""};
}

} // namespace nodepulse::ingest
