// The PARSER worker: one push at a time, on a scheduler thread (parsing is
// pure CPU work and never blocks).
#pragma once

#include "actors/interfaces.hpp"
#include "lib/prom/parser.hpp"
#include "lib/prom/sample_batch.hpp"
#include "lib/remote/metadata_cache.hpp"
#include "lib/remote/write_request.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace nodepulse {

struct parser_settings {
  prom::parse_limits limits;
  size_t max_inflated_bytes = 64 * 1024 * 1024; // a bigger body is a 413
  int64_t max_future_skew_ms = 10 * 60 * 1000;
  int zstd_level = 1;
  // Remote write senders' metadata, shared by the pool's workers.
  std::shared_ptr<remote::metadata_cache> remote_metadata;
};

struct parser_worker_state {
  static inline constexpr const char* name = "parser_worker";
  parser_settings settings;
  prom::sample_batch batch;           // re-used: no allocation per sample once warm
  std::string inflated;               // re-used for compressed bodies
  remote::write_decoder remote_write; // re-used for remote write bodies
  uint64_t parsed = 0;                // pushes handled, for tests and self-metrics
};

parser_actor::behavior_type parser_worker(parser_actor::stateful_pointer<parser_worker_state> self,
                                          parser_settings settings);

} // namespace nodepulse
