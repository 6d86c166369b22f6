// The ingest node's actors as its config says: how each child of the
// ingest supervisor is spawned (the publisher and token lookup detached).
// Shared by `nodepulse ingest` and the single-process `nodepulse dev`.
#pragma once

#include "actors/ingest/ingest_supervisor.hpp"
#include "config/ingest_config.hpp"

#include <string>

namespace nodepulse::node {

// False (with the reason) when the config names what cannot be used: a
// tokens file that does not load, a bad Valkey URL, caf.listen.
// `summary` says where it listens and what it publishes to, for the log.
bool make_ingest_node(const config::ingest_config& cfg, ingest_children& children,
                      std::string& summary, std::string& error);

} // namespace nodepulse::node
