// digest.yml: the keys of docs/configuration.md ("Digest"),
// with their defaults, loaded and checked. Every problem is reported with
// its key and line, all at once. `nodepulse migrate` reads
// postgres.dsn from it; `nodepulse digest` reads all of it.
#pragma once

#include "config/config_error.hpp"
#include "config/ingest_config.hpp" // auth_mode

#include <cstdint>
#include <string>
#include <vector>

namespace nodepulse::config {

struct digest_config {
  struct {
    std::string url = "redis://127.0.0.1:6379";
    std::string stream = "nodepulse:metrics:stream";
    std::string group = "digest";
  } valkey;
  struct {
    std::string dsn = "postgresql://nodepulse@127.0.0.1:5432/nodepulse";
  } postgres;
  struct {
    int64_t days = 7; // partitions older than this are dropped
  } retention;
  struct {
    // A block period is compacted once it ended this long ago: pushes
    // late by less (an agent's retries, a short outage) never rewrite a
    // block. Short, since a hot sample costs ~30 times a cold one and the
    // two-hour blocks already keep up to two hours hot (docs/storage.md).
    int64_t hot_period_ms = 15 * 60'000;
    int64_t compact_every_ms = 300'000; // how often the digest looks for work
    int64_t compact_series = 20'000;    // series per compaction transaction
  } storage;
  struct {
    std::string listen = "127.0.0.1:9311"; // /healthz /readyz /metrics
  } status;
  struct {
    int64_t connections = 2;          // writers, each its own consumer and connection
    int64_t batch_entries = 500;      // stream entries per transaction
    int64_t max_failures = 5;         // rejections of one entry before the DLQ
    int64_t max_deliveries = 10;      // deliveries of one entry before the DLQ
    int64_t claim_idle_ms = 60'000;   // a consumer silent this long is dead
    int64_t series_cache = 2'000'000; // series ids kept in memory, shared by the writers
    std::string dead_letter_stream = "nodepulse:metrics:dlq";
  } writer;
  struct {
    bool enabled = true;
    // A gap in an agent epoch's batch sequences still open this long after a
    // later batch was committed is a loss: longer than any retry, and than
    // the replay of the longest backlog (48 h at 15 s, 10/s: 20 minutes).
    int64_t after_ms = 3'600'000;
    int64_t every_ms = 60'000; // one pass every
  } loss_detector;
  // The remote read endpoint (docs/prometheus-remote.md) and the web page:
  // off while listen is empty.
  struct {
    std::string listen;
    struct {
      std::string cert_file, key_file, client_ca_file;
    } tls;
    struct {
      auth_mode mode = auth_mode::none;
      std::string tokens_file; // token mode: `<reader uuid> <sha256-hex>` lines
    } auth;
    int64_t workers = 2;                          // PostgreSQL connections, requests served at once
    int64_t max_in_flight = 8;                    // requests held at once; more are answered 503
    int64_t max_series = 10'000;                  // per query
    int64_t max_samples = 5'000'000;              // per request
    int64_t max_range_ms = 32LL * 24 * 3'600'000; // per query
    int64_t timeout_ms = 30'000;                  // per request, cancelled in PostgreSQL
    int64_t max_connections = 64;
    // The web page and its JSON endpoints on the same address
    // (docs/web-page.md).
    struct {
      bool enabled = true;
      int64_t down_after_ms = 45'000;    // no push for this long: down (3 scrapes of 15 s)
      int64_t max_points = 2'000;        // per series of one plot
      int64_t fleet_refresh_ms = 10'000; // the fleet table's query at most this often
    } page;
  } query;
};

std::vector<config_error> load_digest_config(const std::string& text, digest_config& out);

std::vector<config_error> load_digest_config_file(const std::string& path, digest_config& out);

} // namespace nodepulse::config
