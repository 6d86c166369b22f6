// Whether a Valkey (or Redis) server keeps an acknowledged write through a
// crash of the server or its machine. Only an append-only file synced on
// every write does (appendonly yes, appendfsync always): with everysec a
// crash loses up to about two seconds of writes already answered, and RDB
// snapshots lose everything since the last one. Redis 7.2 and Valkey add
// WAITAOF, which could make everysec honest per write; Debian 12's Redis
// 7.0 has none, so the check asks for `always` (docs/ingest.md,
// "Durable acknowledgement").
#pragma once

#include "lib/valkey/connection.hpp"

#include <optional>
#include <string>

namespace nodepulse::valkey {

struct persistence {
  std::string appendonly;  // "yes" / "no"
  std::string appendfsync; // "always" / "everysec" / "no"
};

// CONFIG GET appendonly and appendfsync. nullopt and `error` set when the
// server cannot be asked: unreachable (the connection is then dropped), or
// CONFIG refused (a managed service may rename it); `unreachable` tells
// which.
std::optional<persistence> read_persistence(connection& conn, std::string& error,
                                            bool& unreachable);

// Empty when `p` keeps every acknowledged write; otherwise what is wrong,
// naming the setting and the value it needs.
std::string durability_problem(const persistence& p);

} // namespace nodepulse::valkey
