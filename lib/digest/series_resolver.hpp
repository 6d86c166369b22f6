// The series id of every sample of a lot of batches: from the node's cache,
// and for what it misses from the catalogue, which makes what is new (both
// before the lot's transaction, so an id the cache keeps stays valid
// whatever that transaction does). Also moves each series' last_seen to the
// day of its newest sample, at most once a day per series, so that the
// retention knows which series are gone.
#pragma once

#include "lib/digest/series_cache.hpp"
#include "lib/digest/writer_ports.hpp"
#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace nodepulse::digest {

struct batch_ref {
  const prom::sample_batch* batch = nullptr;
  std::string_view server_id;
};

struct resolved_lot {
  // Per batch, per sample: its series id, or 0 when it is older than the
  // retention (skipped).
  std::vector<std::vector<int64_t>> ids;
  size_t too_old = 0;
  size_t looked_up = 0; // series the cache did not have
  size_t touched = 0;   // series whose last_seen moved
};

bool resolve_series_ids(const std::vector<batch_ref>& lot, int64_t keep_from_ms,
                        series_cache& cache, sample_sink& sink, resolved_lot& out, db_error& error);

} // namespace nodepulse::digest
