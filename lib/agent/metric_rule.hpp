// One rule of an endpoint's metric_relabel_configs, as the config names it:
// the filtering subset of Prometheus' relabelling (keep, drop, labeldrop,
// labelkeep) that the agent applies to a scrape before it reaches the WAL.
// Plain data, so the config layer can hold and compare rules; the compiled
// form that matches samples is lib/agent/metric_filter.hpp.
#pragma once

#include <string>
#include <vector>

namespace nodepulse::agent {

struct metric_rule {
  enum class action_t { keep, drop, labeldrop, labelkeep };
  action_t action = action_t::keep;
  // keep/drop: the values of these labels (`__name__` is the metric name),
  // joined by `separator`, are matched against `regex`.
  std::vector<std::string> source_labels;
  std::string separator = ";";
  // RE2 syntax, anchored at both ends as Prometheus anchors it.
  std::string regex = "(.*)";

  bool operator==(const metric_rule& o) const {
    return action == o.action && source_labels == o.source_labels && separator == o.separator
           && regex == o.regex;
  }
  bool operator!=(const metric_rule& o) const { return !(*this == o); }
};

} // namespace nodepulse::agent
