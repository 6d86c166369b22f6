// An endpoint's metric_relabel_configs, compiled: applied to each parsed
// scrape before it is written to the WAL, so what an operator does not want
// costs neither disk, nor bandwidth, nor database rows. Prometheus'
// semantics for the actions it has: `keep` drops the samples whose source
// value does not match, `drop` those whose value does, `labeldrop` removes
// the labels whose name matches, `labelkeep` every other label (the metric
// name is never removed). Rules apply in order; a later rule sees what the
// earlier ones left. Immutable once built: one filter serves every scrape
// of its endpoint, on any thread.
#pragma once

#include "lib/agent/metric_rule.hpp"
#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace nodepulse::agent {

// "" when `regex` is a valid RE2 expression, else why not.
std::string regex_problem(const std::string& regex);

class metric_filter {
public:
  // The rules must have passed regex_problem (the config checks them); a
  // rule whose expression does not compile matches nothing.
  explicit metric_filter(std::vector<metric_rule> rules);
  ~metric_filter();
  metric_filter(const metric_filter&) = delete;
  metric_filter& operator=(const metric_filter&) = delete;

  const std::vector<metric_rule>& rules() const { return rules_; }

  // Removes from `batch` the samples and labels the rules drop; a family
  // left without samples loses its HELP and TYPE too, so nothing of it is
  // written. Returns the number of samples dropped.
  uint32_t apply(prom::sample_batch& batch) const;

private:
  std::vector<metric_rule> rules_;
  std::vector<std::unique_ptr<re2::RE2>> compiled_; // one per rule
  std::vector<bool> name_only_;                     // per rule: keep/drop on __name__ alone
};

} // namespace nodepulse::agent
