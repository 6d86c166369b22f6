#include "lib/prom/metric_type.hpp"

namespace nodepulse::prom {

std::string_view to_string(metric_type t) {
  switch (t) {
    case metric_type::untyped:
      return "untyped";
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
    case metric_type::summary:
      return "summary";
    case metric_type::gaugehistogram:
      return "gaugehistogram";
    case metric_type::stateset:
      return "stateset";
    case metric_type::info:
      return "info";
    case metric_type::unknown:
      return "unknown";
  }
  return "untyped";
}

std::optional<metric_type> parse_metric_type(std::string_view word, bool openmetrics) {
  if (word == "counter")
    return metric_type::counter;
  if (word == "gauge")
    return metric_type::gauge;
  if (word == "histogram")
    return metric_type::histogram;
  if (word == "summary")
    return metric_type::summary;
  if (!openmetrics) {
    if (word == "untyped")
      return metric_type::untyped;
    return std::nullopt;
  }
  if (word == "gaugehistogram")
    return metric_type::gaugehistogram;
  if (word == "stateset")
    return metric_type::stateset;
  if (word == "info")
    return metric_type::info;
  if (word == "unknown")
    return metric_type::unknown;
  return std::nullopt;
}

} // namespace nodepulse::prom
