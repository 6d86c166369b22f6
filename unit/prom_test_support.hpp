// What the parser suites share: parse a literal body and look at the result
// as std::strings (caf-test prints those, not string_views).
#pragma once

#include "runtime/prom/parser.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::prom::test {

// Owns the body, so the batch's views stay valid for the test's lifetime.
struct parsed {
  std::string body;
  sample_batch batch;
  parse_result result;

  parsed(std::string text, parse_options opts = {}) : body(std::move(text)) {
    result = parse(body, opts, batch);
  }

  static parsed openmetrics(std::string text, parse_mode mode = parse_mode::strict) {
    parse_options opts;
    opts.format = exposition_format::openmetrics;
    opts.mode = mode;
    return parsed{std::move(text), opts};
  }

  static parsed lenient(std::string text) {
    parse_options opts;
    opts.mode = parse_mode::lenient;
    return parsed{std::move(text), opts};
  }

  size_t size() const { return batch.samples.size(); }
  const sample& at(size_t i) const { return batch.samples.at(i); }
  std::string name(size_t i) const { return std::string{at(i).name}; }
  double value(size_t i) const { return at(i).value; }
  std::string type(size_t i) const {
    return std::string{to_string(batch.family_of(at(i)).type)};
  }
  std::string help(size_t i) const {
    return std::string{batch.family_of(at(i)).help};
  }

  // "a=x,b=y" in stored order.
  std::string labels(size_t i) const {
    std::string out;
    for (const auto& l : batch.labels_of(at(i).labels)) {
      if (!out.empty())
        out += ',';
      out.append(l.name).append("=").append(l.value);
    }
    return out;
  }

  std::string label(size_t i, std::string_view key) const {
    for (const auto& l : batch.labels_of(at(i).labels))
      if (l.name == key)
        return std::string{l.value};
    return "<missing>";
  }

  // The first error as "line L, column C: reason", or "" when none.
  std::string error() const {
    return result.errors.empty() ? "" : result.errors.front().to_string();
  }
  uint32_t error_line() const { return result.errors.at(0).line; }
  uint32_t error_column() const { return result.errors.at(0).column; }
  bool error_mentions(std::string_view what) const {
    return !result.errors.empty()
           && result.errors.front().reason.find(what) != std::string::npos;
  }
};

inline bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0; // also tells 0.0 from -0.0
}

// Describes the first difference between two batches, or "" when they hold
// the same families, samples, labels, values and timestamps.
inline std::string difference(const sample_batch& a, const sample_batch& b) {
  if (a.samples.size() != b.samples.size())
    return "sample count " + std::to_string(a.samples.size()) + " vs "
           + std::to_string(b.samples.size());
  for (size_t i = 0; i < a.samples.size(); ++i) {
    const auto& x = a.samples[i];
    const auto& y = b.samples[i];
    const auto& fx = a.family_of(x);
    const auto& fy = b.family_of(y);
    std::string at = "sample " + std::to_string(i) + " (" + std::string{x.name} + "): ";
    if (x.name != y.name)
      return at + "name " + std::string{y.name};
    if (fx.name != fy.name || fx.type != fy.type)
      return at + "family " + std::string{fy.name};
    if (fx.help != fy.help || fx.has_help != fy.has_help)
      return at + "help";
    if (!same_value(x.value, y.value))
      return at + "value";
    if (x.has_timestamp != y.has_timestamp || x.timestamp_ms != y.timestamp_ms)
      return at + "timestamp";
    auto lx = a.labels_of(x.labels);
    auto ly = b.labels_of(y.labels);
    if (lx.size() != ly.size())
      return at + "label count";
    for (size_t k = 0; k < lx.size(); ++k)
      if (lx.begin()[k].name != ly.begin()[k].name
          || lx.begin()[k].value != ly.begin()[k].value)
        return at + "label " + std::string{lx.begin()[k].name};
  }
  if (a.populated_family_count() != b.populated_family_count())
    return "family count";
  return "";
}

} // namespace nodepulse::prom::test
