// The ingest node's actors as its config says: how each child of the
// ingest supervisor is spawned (the publisher and token lookup detached).
// Shared by `nodepulse ingest` and the single-process `nodepulse dev`.
#pragma once

#include "actors/ingest/ingest_supervisor.hpp"
#include "config/ingest_config.hpp"
#include "runtime/node/remoting.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace nodepulse::node {

// False (with the reason) when the config names what cannot be used: a
// tokens file that does not load, a bad Valkey URL, TLS files for
// caf.listen that OpenSSL cannot use.
// `summary` says where it listens and what it publishes to, for the log.
bool make_ingest_node(const config::ingest_config& cfg, ingest_children& children,
                      std::string& summary, std::string& error);

// The TLS of the CAF gateway: the node's tls files, mutual (client_ca_file).
remoting_tls gateway_tls(const config::ingest_config& cfg);

// With caf.listen: spawns the INGEST GATEWAY in front of `ingest` and
// publishes it there (enable_remoting(gateway_tls(cfg)) made `sys`);
// false with the reason when it cannot listen. Without: nothing, true.
bool start_ingest_gateway(caf::actor_system& sys, const ingest_supervisor_actor& ingest,
                          const config::ingest_config& cfg, std::string& error);

} // namespace nodepulse::node
