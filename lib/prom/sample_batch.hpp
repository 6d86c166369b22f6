// A parsed exposition body: families, samples, labels and exemplars as flat
// arrays of views. Views point into the parsed input, or into the batch's own
// arena when a value had to be unescaped, so a batch is only valid while the
// input it was parsed from is alive. Clearing keeps every buffer's capacity:
// re-using one batch for the next body allocates nothing in steady state.
#pragma once

#include "lib/prom/family_index.hpp"
#include "lib/prom/metric_type.hpp"
#include "lib/prom/string_arena.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace nodepulse::prom {

struct label {
  std::string_view name;
  std::string_view value;
};

// A contiguous slice of sample_batch::labels.
struct label_range {
  uint32_t first = 0;
  uint32_t count = 0;
};

struct family {
  std::string_view name;
  metric_type type = metric_type::untyped;
  std::string_view help;
  std::string_view unit;
  bool has_help = false;
  bool has_type = false;
  bool has_unit = false;
  uint32_t sample_count = 0;
};

// OpenMetrics exemplar attached to one sample (` # {trace_id="x"} 1 1.5`).
struct exemplar {
  label_range labels;
  double value = 0;
  bool has_timestamp = false;
  double timestamp_seconds = 0;
};

inline constexpr uint32_t no_exemplar = UINT32_MAX;

struct sample {
  std::string_view name; // full name: x_bucket, x_sum, ...
  uint32_t family = 0;   // index into sample_batch::families
  label_range labels;
  double value = 0;
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;
  uint32_t exemplar = no_exemplar; // index into sample_batch::exemplars
  uint32_t line = 0;               // in the parsed text (0: not parsed)
};

struct sample_batch {
  std::vector<family> families;
  std::vector<sample> samples;
  std::vector<label> labels;
  std::vector<exemplar> exemplars;
  string_arena arena;   // unescaped label values and help texts
  family_index by_name; // family name -> index, for interleaved input

  void clear() {
    families.clear();
    samples.clear();
    labels.clear();
    exemplars.clear();
    arena.clear();
    by_name.clear();
  }

  // The labels of one sample (or exemplar) as a range-for friendly span.
  struct label_span {
    const label* first;
    const label* last;
    const label* begin() const { return first; }
    const label* end() const { return last; }
    size_t size() const { return static_cast<size_t>(last - first); }
  };

  label_span labels_of(label_range r) const {
    const label* base = labels.data() + r.first;
    return {base, base + r.count};
  }

  const family& family_of(const sample& s) const { return families[s.family]; }

  // Samples that came without a timestamp get `ms` (ingest: the receive
  // time; agent: the scrape time), so data replayed later keeps its time.
  void fill_missing_timestamps(int64_t ms) {
    for (auto& s : samples)
      if (!s.has_timestamp) {
        s.has_timestamp = true;
        s.timestamp_ms = ms;
      }
  }

  // Families that received at least one sample (what `N samples in M families`
  // counts; a HELP or TYPE line alone does not make a family).
  size_t populated_family_count() const {
    size_t n = 0;
    for (const auto& f : families)
      n += f.sample_count > 0 ? 1 : 0;
    return n;
  }
};

} // namespace nodepulse::prom
