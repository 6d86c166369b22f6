// The ingest node's actors as its config says: how each child of the
// ingest supervisor is spawned (the publisher and token lookup detached).
// Shared by `nodepulse ingest` and the single-process `nodepulse dev`.
#pragma once

#include "actors/ingest/ingest_supervisor.hpp"
#include "config/ingest_config.hpp"
#include "runtime/node/remoting.hpp"

#include <caf/fwd.hpp>

#include <memory>

#include <string>

namespace nodepulse::guard {
class basp_guard;
struct basp_guard_stats;
} // namespace nodepulse::guard

namespace nodepulse::node {

// False (with the reason) when the config names what cannot be used: a
// tokens file that does not load, a bad Valkey URL, TLS files for
// caf.listen that OpenSSL cannot use.
// `summary` says where it listens and what it publishes to, for the log.
// With caf.listen, `caf_guard_stats` is made for start_ingest_gateway's
// guard and shown in the node's /metrics.
bool make_ingest_node(const config::ingest_config& cfg, ingest_children& children,
                      std::shared_ptr<guard::basp_guard_stats>& caf_guard_stats,
                      std::string& summary, std::string& error);

// The TLS of the CAF gateway: the node's tls files, mutual (client_ca_file).
remoting_tls gateway_tls(const config::ingest_config& cfg);

// With caf.listen: spawns the INGEST GATEWAY in front of `ingest`,
// publishes it on a loopback port and starts `guard` on caf.listen in
// front of that (TLS with gateway_tls(cfg)); false with the reason when it
// cannot listen. Without: nothing, true. Keep `guard` while the node runs.
bool start_ingest_gateway(caf::actor_system& sys, const ingest_supervisor_actor& ingest,
                          const config::ingest_config& cfg,
                          std::shared_ptr<guard::basp_guard_stats> caf_guard_stats,
                          std::unique_ptr<guard::basp_guard>& guard, std::string& error);

} // namespace nodepulse::node
