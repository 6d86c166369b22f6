#include "lib/agent/metric_filter.hpp"

#include <re2/re2.h>

#include <string_view>

namespace nodepulse::agent {

namespace {

// Prometheus anchors a relabelling regex at both ends.
std::string anchored(const std::string& regex) {
  return "^(?:" + regex + ")$";
}

std::unique_ptr<re2::RE2> compile(const std::string& regex) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<re2::RE2>(anchored(regex), options);
}

std::string_view label_value(const prom::sample_batch& batch, const prom::sample& s,
                             const std::string& name) {
  if (name == "__name__")
    return s.name;
  for (const auto& l : batch.labels_of(s.labels))
    if (l.name == name)
      return l.value;
  return {}; // an absent label reads as empty, as in Prometheus
}

// The rule's source labels' values joined by its separator; a single label
// is a view without copying.
std::string_view source_value(const prom::sample_batch& batch, const prom::sample& s,
                              const metric_rule& rule, std::string& scratch) {
  if (rule.source_labels.size() == 1)
    return label_value(batch, s, rule.source_labels.front());
  scratch.clear();
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0)
      scratch += rule.separator;
    scratch.append(label_value(batch, s, rule.source_labels[i]));
  }
  return scratch;
}

bool matches(const re2::RE2& re, std::string_view value) {
  return re.ok() && re2::RE2::FullMatch(re2::StringPiece{value.data(), value.size()}, re);
}

} // namespace

std::string regex_problem(const std::string& regex) {
  // Checked as written, so that RE2's message quotes the operator's text.
  re2::RE2::Options options;
  options.set_log_errors(false);
  re2::RE2 re{regex, options};
  return re.ok() ? std::string{} : re.error();
}

metric_filter::metric_filter(std::vector<metric_rule> rules) : rules_(std::move(rules)) {
  for (const auto& r : rules_) {
    compiled_.push_back(compile(r.regex));
    name_only_.push_back(r.source_labels.size() == 1 && r.source_labels.front() == "__name__");
  }
}

metric_filter::~metric_filter() = default;

uint32_t metric_filter::apply(prom::sample_batch& batch) const {
  // A scrape lists the samples of one name together: a rule that looks at
  // the name alone is decided once per name, not once per sample.
  struct by_name {
    std::string_view name;
    bool matched = false;
    bool known = false;
  };
  std::vector<by_name> last(rules_.size());
  std::string scratch;
  size_t kept = 0;
  for (size_t i = 0; i < batch.samples.size(); ++i) {
    auto& s = batch.samples[i];
    bool keep = true;
    for (size_t r = 0; r < rules_.size() && keep; ++r) {
      const auto& rule = rules_[r];
      const auto& re = *compiled_[r];
      switch (rule.action) {
        case metric_rule::action_t::keep:
        case metric_rule::action_t::drop: {
          bool matched;
          const bool name_only = name_only_[r];
          if (name_only && last[r].known && last[r].name == s.name) {
            matched = last[r].matched;
          } else {
            matched = matches(re, source_value(batch, s, rule, scratch));
            if (name_only)
              last[r] = {s.name, matched, true};
          }
          keep = (rule.action == metric_rule::action_t::keep) == matched;
          break;
        }
        case metric_rule::action_t::labeldrop:
        case metric_rule::action_t::labelkeep: {
          // Kept labels move to the front of the sample's own range.
          const bool drop_matching = rule.action == metric_rule::action_t::labeldrop;
          uint32_t out = s.labels.first;
          for (uint32_t k = s.labels.first; k < s.labels.first + s.labels.count; ++k) {
            const auto& l = batch.labels[k];
            if (matches(re, l.name) != drop_matching)
              batch.labels[out++] = l;
          }
          s.labels.count = out - s.labels.first;
          break;
        }
      }
    }
    if (keep)
      batch.samples[kept++] = s;
    else if (--batch.families[s.family].sample_count == 0) {
      auto& f = batch.families[s.family];
      f.has_help = f.has_type = f.has_unit = false;
    }
  }
  const auto dropped = static_cast<uint32_t>(batch.samples.size() - kept);
  batch.samples.resize(kept);
  return dropped;
}

} // namespace nodepulse::agent
