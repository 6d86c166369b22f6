// What ingest does with sample timestamps before publishing a push: samples
// without one get the receive time; samples stamped more than
// `max_future_skew_ms` ahead of the ingest's clock are dropped and counted
// (a server with a wrong clock must not write into the future), and the
// rest of the push is kept.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <string>

namespace nodepulse::ingest {

struct timestamp_verdict {
  size_t rejected = 0;      // samples dropped
  std::string first_reason; // "" when none; names the sample and its line
  uint32_t first_line = 0;
};

inline constexpr int64_t default_max_future_skew_ms = 10 * 60 * 1000;

timestamp_verdict apply_timestamp_policy(prom::sample_batch& batch, int64_t received_at_ms,
                                         int64_t max_future_skew_ms);

} // namespace nodepulse::ingest
