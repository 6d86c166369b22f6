// What the series catalogue calls a sample: its metric (the sample's name,
// its family's type, HELP and unit) and its label set. The digest looks
// both up in admiral.metrics and admiral.series (sql/007), so that a sample
// is stored as (series id, timestamp, value) only.
#pragma once

#include "lib/digest/writer_ports.hpp"
#include "lib/prom/sample_batch.hpp"

#include <string>
#include <string_view>

namespace nodepulse::digest {

// The metric of sample `s` of `batch`.
metric_key metric_of(const prom::sample_batch& batch, const prom::sample& s);

// The family's UNIT; without one (text format 0.0.4 has none), the base
// unit its name ends in by Prometheus' naming rules (node_cpu_seconds_total
// -> seconds); "" when neither says.
std::string_view unit_of(const prom::family& fam);

// The labels of `s` as a JSON object with the names in byte order, so two
// label sets that differ only in order are the same text (the catalogue's
// cache key; PostgreSQL's jsonb orders them itself).
void append_labels_json(const prom::sample_batch& batch, const prom::sample& s, std::string& out);

} // namespace nodepulse::digest
