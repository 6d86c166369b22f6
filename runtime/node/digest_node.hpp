// The digest node's actors as its config says: the supervisor's settings,
// each DB writer detached with its own consumer and PostgreSQL connection.
// Shared by `nodepulse digest` and the single-process `nodepulse dev`.
#pragma once

#include "actors/digest/digest_supervisor.hpp"
#include "config/digest_config.hpp"

#include <string>

namespace nodepulse::node {

// False (with the reason) for a Valkey URL that cannot be used; `summary`
// says what it reads and where its status is, for the log.
bool make_digest_node(const config::digest_config& cfg, digest_supervisor_settings& settings,
                      std::string& summary, std::string& error);

} // namespace nodepulse::node
