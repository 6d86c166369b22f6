// The stream entry one accepted push becomes (docs/stream-encoding.md):
// fields v, batch_id, server_id, received_at, payload and, when the agent
// sent one, agent_dropped, where payload is a
// parsed batch in a compact binary form that digest decodes without
// re-parsing text. Decoding checks every length, index and count, so a
// corrupt or hostile entry is an error, never a crash.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nodepulse::valkey {

inline constexpr int stream_encoding_version = 1;

struct stream_entry {
  int version = stream_encoding_version;
  std::string batch_id;
  std::string server_id;
  int64_t received_at_ms = 0;
  std::string payload;
  // The agent's X-Agent-Dropped as the ingest normalized it; the field
  // agent_dropped is left out when empty (lib/http/agent_drops.hpp).
  std::string agent_dropped;
};

struct encode_options {
  // zstd level for the payload body; 0 stores it uncompressed.
  int zstd_level = 1;
};

// Appends the payload for `batch` to `out`. Timestamps are stored relative to
// `received_at_ms`; a sample without one is stored as received then (what
// ingest does with such samples anyway). Exemplars are not stored.
void encode_payload(const prom::sample_batch& batch, int64_t received_at_ms,
                    const encode_options& opts, std::string& out);

// A Prometheus remote write request as the payload (`batch` is what the
// ingest decoded from it, `snappy_body` the request's body as received):
// the body itself, which costs the ingest nothing to store and is smaller
// than the batch re-encoded, behind the metadata (type, HELP, unit) the
// ingest gave its families. Only for a batch nothing was taken out of.
void encode_remote_write_payload(const prom::sample_batch& batch, std::string_view snappy_body,
                                 std::string& out);

// Decodes `payload` (either form) into `out` (cleared first). Strings in `out` are views
// into `payload`, or into `scratch` when the body was compressed, so both
// must outlive `out`. Returns "" on success, else what is wrong.
std::string decode_payload(std::string_view payload, int64_t received_at_ms,
                           prom::sample_batch& out, std::string& scratch);

} // namespace nodepulse::valkey
