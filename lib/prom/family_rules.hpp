// Which sample names belong to a family of a given type: the suffix rules of
// text 0.0.4 (histogram: _bucket/_sum/_count, summary: _sum/_count) and of
// OpenMetrics (counter: _total/_created, info: _info, gaugehistogram:
// _bucket/_gsum/_gcount, ...).
#pragma once

#include "lib/prom/metric_type.hpp"

#include <string_view>

namespace nodepulse::prom {

// True when a sample called `sample_name` is part of family `family_name` of
// type `type`.
bool belongs_to_family(std::string_view sample_name, std::string_view family_name, metric_type type,
                       bool openmetrics);

// The family name a suffixed sample name would belong to ("x_bucket" -> "x"),
// trying each suffix the format knows; empty when `sample_name` has none.
// `next` lets callers try every candidate: pass the previous result's suffix
// index + 1.
struct family_candidate {
  std::string_view base;
  int next = 0;
};
family_candidate next_family_candidate(std::string_view sample_name, int from, bool openmetrics);

// The label a sample needs: "le" for histogram buckets, "quantile" for
// summary quantiles; empty when none.
std::string_view required_label(std::string_view sample_name, std::string_view family_name,
                                metric_type type);

} // namespace nodepulse::prom
