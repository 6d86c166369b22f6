// admiral.agent_tokens (sql/001_agent_tokens.sql) as ingest reads it: which
// server a token hash belongs to. One blocking libpq connection, to be owned
// by a detached actor; reconnects on the next lookup after any failure.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace nodepulse::pg {

struct token_lookup_result {
  bool reachable = false;               // false: the database did not answer
  std::optional<std::string> server_id; // nullopt: unknown or revoked
  std::string error;                    // why not reachable
};

class token_store {
public:
  explicit token_store(std::string dsn);
  ~token_store();
  token_store(const token_store&) = delete;
  token_store& operator=(const token_store&) = delete;

  token_lookup_result lookup(const std::string& token_hash);

private:
  struct impl;
  std::string dsn_;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::pg
