// ingest.yml: the keys of docs/configuration.md ("Ingest"),
// with their defaults, loaded and checked. Every problem is reported with
// its key and line, all at once.
#pragma once

#include "config/config_error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nodepulse::config {

// Who may push (auth.mode): anyone, or the holders of a token.
enum class auth_mode { none, token };

struct ingest_config {
  std::string listen = "127.0.0.1:8080"; // also serves /healthz /readyz /metrics
  struct {
    // Set: /healthz, /readyz and /metrics also here, on a listener of their
    // own that a flood of connections on `listen` does not fill.
    std::string listen;
  } status;
  struct {
    std::string cert_file; // empty: plain HTTP
    std::string key_file;
    std::string client_ca_file; // set: clients must present a certificate
  } tls;
  struct {
    auth_mode mode = auth_mode::none;
    std::string tokens_file;  // token mode without PostgreSQL at the edge
    std::string postgres_dsn; // token mode with admiral.agent_tokens
    int64_t cache_ttl_ms = 60'000;
    // Token database lookups that found nothing, per client address: per
    // second, and at once; past them an address is answered 429 unasked.
    int64_t unknown_token_rate = 1;
    int64_t unknown_token_burst = 20;
  } auth;
  struct {
    std::string url = "redis://127.0.0.1:6379";
    std::string stream = "nodepulse:metrics:stream";
    int64_t max_backlog = 50'000;
    // true: acknowledge pushes even when Valkey would lose them in a crash
    // (no appendonly yes + appendfsync always); false refuses them with 503.
    bool allow_data_loss = false;
  } valkey;
  struct {
    int64_t max_body_bytes = 10'485'760;
    int64_t max_inflated_bytes = 67'108'864;
    int64_t max_samples_per_push = 200'000;
    // node_exporter sends ~300-500; TYPE lines alone must not cost a parse of millions
    int64_t max_families_per_push = 10'000;
    int64_t max_future_skew_ms = 10 * 60 * 1000;
    int64_t max_connections = 4096;             // more are closed at once, and counted
    int64_t max_connections_per_address = 1024; // 0: no limit per client address
    int64_t read_timeout_ms = 30'000;           // a request's body, a response's write
    int64_t idle_timeout_ms = 60'000;           // a keep-alive connection's next header
  } limits;
  struct {
    int64_t threads = 1; // I/O threads for the sockets (parsing runs in the pool)
  } http;
  struct {
    int64_t workers = 0; // 0 = one per core
  } parser;
  struct {
    // "host:port" publishes the ingest gateway for agents with
    // server.transport: caf; TLS (mutual) when tls.cert_file is set.
    std::string listen;
    // Agents connected over CAF at once, in all and per address (each
    // costs three file descriptors: the guard's two and CAF's own).
    int64_t max_connections = 1024;
    int64_t max_connections_per_address = 64;
    // From connecting to a peer's BASP handshake (TLS included).
    int64_t handshake_timeout_ms = 10'000;
  } caf;
};

// Loads `text` over the defaults in `out`; returns every problem found, in
// file order.
std::vector<config_error> load_ingest_config(const std::string& text, ingest_config& out);

// The same for a file; an unreadable file is one error.
std::vector<config_error> load_ingest_config_file(const std::string& path, ingest_config& out);

// "host:port" with a port in 1..65535.
bool valid_listen_address(const std::string& text);

class yaml_reader;

// A tls: section's cert_file, key_file and client_ca_file, checked
// together (the ingest's and the digest's query endpoint's).
void read_tls_keys(yaml_reader& r, std::string& cert_file, std::string& key_file,
                   std::string& client_ca_file);

// host:port on 127.0.0.0/8, ::1 or localhost.
bool loopback_listen_address(const std::string& text);

// redis://, valkey:// or unix:// (the stream client checks the rest).
bool valid_valkey_url(const std::string& url);

} // namespace nodepulse::config
