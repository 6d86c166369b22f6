// Distributed mode's plumbing, kept in one translation unit so that only
// this file includes CAF's I/O and OpenSSL modules: loading the middleman
// into a node's actor system, publishing the ingest gateway (caf.listen),
// and connecting an agent's link to it (server.transport: caf).
#pragma once

#include "actors/interfaces.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace nodepulse::node {

// TLS for CAF's transport: all three files, or none (plain TCP). CAF's
// OpenSSL module always authenticates both sides against ca_file.
struct remoting_tls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
  bool operator!=(const remoting_tls& other) const {
    return ca_file != other.ca_file || cert_file != other.cert_file || key_file != other.key_file;
  }
};

// Loads the middleman (and with TLS the OpenSSL module with these files)
// into `cfg`; before the actor system is made from it.
void enable_remoting(caf::actor_system_config& cfg, const remoting_tls& tls);

// CAF notices a bad certificate or key only when the first peer connects
// (and a client may hang then): so they are loaded here first. False with
// the file and OpenSSL's reason.
bool check_remoting_tls(const remoting_tls& tls, std::string& error);

// Publishes `gateway` in plain BASP on a free port of 127.0.0.1, for the
// guard in front of it (lib/guard/basp_guard.hpp) to forward to: CAF
// itself never faces a peer. `port` gets the port; false with the reason.
bool publish_gateway(caf::actor_system& sys, const ingest_gateway_front_actor& gateway,
                     uint16_t& port, std::string& error);

// Connects to the gateway published at host:port (blocking).
std::function<caf::expected<ingest_gateway_actor>()>
gateway_connector(caf::actor_system& sys, std::string host, uint16_t port, bool tls);

} // namespace nodepulse::node
