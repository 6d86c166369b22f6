// Prometheus remote write 1.0 on the receiving side: a snappy-compressed
// (block format) protobuf WriteRequest becomes a sample batch, as a text
// push would, after checking what the spec requires of it: every series
// has a valid __name__, label names are valid, sorted and unique, text is
// UTF-8. Metadata entries go to the cache and type the families they name
// (this request's and later ones'). A decoder keeps its buffers between
// requests: one per parser worker.
#pragma once

#include "lib/prom/parser.hpp"
#include "lib/prom/sample_batch.hpp"
#include "lib/remote/metadata_cache.hpp"
#include "lib/remote/snappy_body.hpp" // snappy_compress, for senders

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::remote {

struct write_limits {
  size_t max_inflated_bytes = 64 * 1024 * 1024; // decompressed body; more is a 413
  prom::parse_limits limits;                    // names, values, labels, samples
};

struct write_result {
  bool ok = false;
  uint16_t status = 400; // when !ok: 400 invalid, 413 over a limit
  std::string error;     // what and where (which series, which label)
  uint32_t series = 0;
  uint32_t metadata = 0;           // metadata entries taken
  uint32_t histograms_dropped = 0; // native histogram samples (not stored)
  uint32_t exemplars_dropped = 0;  // exemplars (no place in the table)
};

class write_decoder {
public:
  write_decoder();
  ~write_decoder();
  write_decoder(const write_decoder&) = delete;
  write_decoder& operator=(const write_decoder&) = delete;

  // Decodes `body` (snappy block) into `out` (cleared first); its views
  // point into this decoder, valid until the next decode. `server_id`
  // keys the metadata in `cache` (which may be null).
  write_result decode(std::string_view body, std::string_view server_id, metadata_cache* cache,
                      const write_limits& limits, prom::sample_batch& out);

  // The same for a body decompressed already: the views in `out` point
  // into `plain`, which the caller keeps alive.
  write_result decode_plain(std::string_view plain, std::string_view server_id,
                            metadata_cache* cache, const write_limits& limits,
                            prom::sample_batch& out);

  // The decompressed bytes of the last decode (empty when it was refused
  // before decompressing).
  std::string_view plain() const { return plain_; }

  // Gives back buffers far over a normal request's needs.
  void shed(size_t keep_bytes);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string plain_;
};

// A sender's side, for the benchmark: the samples of `batch` as the series
// of a WriteRequest, each with the `extra` labels added and its labels
// sorted as the spec requires; body(t) is the request with every sample at
// `t`, snappy-compressed, as Prometheus would send one scrape.
class write_request_encoder {
public:
  write_request_encoder(const prom::sample_batch& batch, const std::vector<prom::label>& extra);
  ~write_request_encoder();
  write_request_encoder(const write_request_encoder&) = delete;
  write_request_encoder& operator=(const write_request_encoder&) = delete;

  std::string body(int64_t timestamp_ms);
  size_t samples() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::remote
