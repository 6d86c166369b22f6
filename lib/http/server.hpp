// The HTTP(S) server under ingest: Boost.Beast, asynchronous, one strand per
// connection, on its own I/O threads (never a CAF scheduler thread). It owns
// everything about the transport: keep-alive, TLS, read and idle timeouts,
// the body limit and the connection limit. What a request means is the
// handler's business; the handler may answer later, from any thread.
//
// Modelled on Beast's http_server_async / advanced_server_flex examples.
// Only server.cpp includes Beast: this header is cheap.
#pragma once

#include "lib/http/message.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nodepulse::http {

struct server_settings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;      // 0: any free port (see server::port())
  std::string tls_cert_file; // both set: HTTPS only
  std::string tls_key_file;
  std::string tls_client_ca_file; // set: clients must present a certificate it signed
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 4096;
  // One address may hold at most this many (0: no limit of its own), so a
  // single client cannot take every slot.
  size_t max_connections_per_address = 1024;
  // A request's header and body must arrive within read_timeout of its
  // first byte; a keep-alive connection may sit idle for idle_timeout.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  unsigned threads = 1;
};

// Status codes the server counts one by one; the rest go to "other".
inline constexpr std::array<int, 14> counted_statuses{200, 400, 401, 403, 404, 405, 411,
                                                      413, 415, 429, 431, 500, 503, 0};

// Transport counters, updated by the I/O threads, read by /metrics.
struct server_stats {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};             // over max_connections
  std::atomic<uint64_t> connections_refused_per_address{0}; // over the per-address limit
  std::atomic<uint64_t> accept_errors{0}; // EMFILE and the like: accepting paused briefly
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<uint64_t> timeouts{0};       // connections closed for being slow
  std::atomic<uint64_t> bytes_received{0}; // request bodies, as sent
  std::array<std::atomic<uint64_t>, counted_statuses.size()> responses{};

  void count_response(int status);
  uint64_t responses_with(int status) const; // 0 = every status not listed
};

using handler_fn = std::function<void(request&&, reply_fn)>;

class server {
public:
  // Binds, listens and starts the I/O threads; nullptr and `error` set when
  // the address cannot be bound or the TLS files cannot be loaded.
  static std::unique_ptr<server> start(const server_settings& settings, handler_fn handler,
                                       std::string& error);

  virtual ~server() = default;

  virtual uint16_t port() const = 0; // the bound port
  virtual const server_stats& stats() const = 0;

  // Stops accepting, closes every connection and joins the I/O threads.
  // Replies arriving later are dropped. Idempotent.
  virtual void stop() = 0;
};

} // namespace nodepulse::http
