// What the parser suites share: parse a literal body and look at the result
// as std::strings (caf-test prints those, not string_views).
#pragma once

#include "lib/prom/parser.hpp"

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
  std::string type(size_t i) const { return std::string{to_string(batch.family_of(at(i)).type)}; }
  std::string help(size_t i) const { return std::string{batch.family_of(at(i)).help}; }

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
    return !result.errors.empty() && result.errors.front().reason.find(what) != std::string::npos;
  }
};

} // namespace nodepulse::prom::test
