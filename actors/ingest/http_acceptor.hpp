// The HTTP ACCEPTOR: owns ingest's HTTP server and turns each request into
// the wire contract's answer (docs/architecture.md#wire-contract):
//
//   POST /metrics/prometheus, POST /metrics: content checks (415), identity
//     (400/401/403), then the parser pool (400 with line and column, 413),
//     then the stream publisher (503 + Retry-After), then 200;
//   GET /healthz, /readyz, /metrics: liveness, readiness, self-metrics.
//
// It only routes and decides: inflating and parsing run in the parser pool,
// Valkey I/O in the (detached) publisher, sockets on the server's threads.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/http/server.hpp"
#include "lib/ingest/address_miss_limiter.hpp"
#include "lib/ingest/agent_auth.hpp"
#include "lib/ingest/self_metrics.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>

namespace nodepulse {

struct http_acceptor_settings {
  http::server_settings server;
  // Set: a listener of its own for GET/HEAD /healthz, /readyz and /metrics
  // only, which a flood of connections on the push listener cannot fill.
  std::optional<http::server_settings> status_server;
  bool serve = true; // false: no socket; tests send http_exchange themselves
  bool token_mode = false;
  std::shared_ptr<const ingest::token_registry> tokens; // token mode, tokens file
  bool token_database = false; // token mode, admiral.agent_tokens via token_lookup
  int64_t token_cache_ttl_ms = 60'000;
  size_t token_cache_max = 100'000;
  // Unknown tokens one address may have looked up: per second, and at once.
  double unknown_token_rate = 1;
  double unknown_token_burst = 20;
  std::chrono::milliseconds parse_timeout{30'000};
  std::chrono::milliseconds publish_timeout{15'000};
  // More of the node's own figures for GET /metrics (the CAF guard's); may be empty.
  std::function<std::string()> extra_metrics;
};

struct http_acceptor_state {
  static inline constexpr const char* name = "http_acceptor";
  http_acceptor_settings settings;
  std::unique_ptr<http::server> server;               // stopped (threads joined) with the state
  std::unique_ptr<http::server> status_server;        // likewise, if configured
  parser_actor parser;                                // invalid until wired, or while restarting
  publisher_actor publisher;                          // likewise
  token_lookup_actor token_db;                        // likewise, with token_database
  ingest::token_cache token_cache{0, 0};              // database answers, per settings
  ingest::address_miss_limiter token_misses{0, 0, 0}; // per settings
  ingest::ingest_counters counters;
  std::mt19937_64 batch_ids{std::random_device{}()}; // for pushes without X-Batch-Id
};

// Quits with sec::cannot_open_port (and the reason) when it cannot listen.
http_acceptor_actor::behavior_type
http_acceptor(http_acceptor_actor::stateful_pointer<http_acceptor_state> self,
              http_acceptor_settings settings);

// What an X-Batch-Id may be: 1 to 128 of [A-Za-z0-9._:-].
bool valid_batch_id(std::string_view id);

} // namespace nodepulse
