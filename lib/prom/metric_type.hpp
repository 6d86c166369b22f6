// Metric family types of text format 0.0.4 and OpenMetrics 1.0.
#pragma once

#include <optional>
#include <string_view>

namespace nodepulse::prom {

enum class metric_type : unsigned char {
  untyped, // text 0.0.4 only; OpenMetrics calls it "unknown"
  counter,
  gauge,
  histogram,
  summary,
  gaugehistogram, // OpenMetrics only
  stateset,       // OpenMetrics only
  info,           // OpenMetrics only
  unknown,        // OpenMetrics only
};

std::string_view to_string(metric_type t);

// The type named on a `# TYPE` line; nullopt when the format does not know it.
std::optional<metric_type> parse_metric_type(std::string_view word, bool openmetrics);

} // namespace nodepulse::prom
