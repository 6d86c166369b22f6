// The guard in front of CAF's BASP port (caf.listen). CAF 0.17's protocol
// trusts its peers: a 32-byte header announcing a 4 GiB message makes the
// node allocate it, a peer may sit on a connection forever, and CAF's
// built-in actors answer anyone. So the ingest publishes its gateway on a
// loopback port only, and this guard owns caf.listen: it terminates TLS
// (mutual, with the ingest's files), limits connections (in all and per
// address), gives a peer `handshake_timeout` to send its BASP handshake,
// and reads every header a peer sends before CAF does, closing the
// connection at the first that is not allowed:
//   - the first must be a client handshake;
//   - a message must go to the gateway by its id, never to a named actor
//     (ConfigServ, SpawnServ) and never routed through this node;
//   - no payload over `max_payload_bytes`.
// Bytes pass unchanged; payloads stream through without being buffered.
// Asio, on its own thread; knows nothing of actors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nodepulse::guard {

struct basp_guard_stats {
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};            // over max_connections or per address
  std::atomic<uint64_t> handshake_timeouts{0}; // TLS or BASP handshake too slow
  std::atomic<uint64_t> tls_failures{0};
  std::atomic<uint64_t> closed_for_frames{0}; // a header that is not allowed
};

struct basp_guard_settings {
  std::string host;           // where agents connect (caf.listen)
  uint16_t port = 0;          // 0: any free port (see basp_guard::port())
  uint16_t upstream_port = 0; // CAF's BASP on 127.0.0.1
  std::string tls_cert_file;  // all three set: TLS, and agents need a certificate
  std::string tls_key_file;
  std::string tls_client_ca_file;
  uint64_t gateway_actor_id = 0;
  uint32_t max_payload_bytes = 16u << 20;
  size_t max_connections = 4096;
  size_t max_connections_per_address = 64;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::shared_ptr<basp_guard_stats> stats; // shared with /metrics; made if null
};

// The counters as Prometheus text (nodepulse_ingest_caf_guard_*).
std::string render_guard_metrics(const basp_guard_stats& s);

// Why a client's BASP header (32 bytes, as on the wire) may not pass; ""
// when it may. `first`: the connection's first header.
std::string basp_header_problem(const unsigned char* header, bool first, uint64_t gateway_actor_id,
                                uint32_t max_payload_bytes);

class basp_guard {
public:
  // Listens and starts its thread; null and `error` set when it cannot.
  // `log` gets one line per connection it closes for a reason.
  static std::unique_ptr<basp_guard> start(const basp_guard_settings& settings,
                                           std::function<void(const std::string&)> log,
                                           std::string& error);
  virtual ~basp_guard() = default;
  virtual uint16_t port() const = 0;
  virtual const basp_guard_stats& stats() const = 0;
  virtual void stop() = 0; // idempotent
};

} // namespace nodepulse::guard
