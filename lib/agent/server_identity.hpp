// The agent's server id: the configured one, or (agent.server_id:
// auto-generated-uuid) a random UUID made once and kept in `server_id`
// next to the WAL, so a restart pushes under the same id.
#pragma once

#include <string>

namespace nodepulse::agent {

// The id to push under: `configured`, or when that is empty the one kept in
// `dir` (made now if there is none); or "" with `error` set (the directory or the file
// cannot be used, or the file holds something that is not a UUID).
std::string resolve_server_id(const std::string& configured, const std::string& dir,
                              std::string& error);

// A random (version 4) UUID.
std::string random_uuid();

} // namespace nodepulse::agent
