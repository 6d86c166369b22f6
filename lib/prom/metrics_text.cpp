#include "lib/prom/metrics_text.hpp"

#include <cstdio>

namespace nodepulse::prom {

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

void histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  if (i < bounds_.size())
    ++counts_[i];
  ++count_;
  sum_ += value;
}

void histogram::merge(const histogram& other) {
  for (size_t i = 0; i < counts_.size() && i < other.counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
}

std::vector<double> latency_bounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

void metrics_text::family(const char* name, const char* type, const char* help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void metrics_text::sample(const std::string& name_and_labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out_ += name_and_labels;
  out_ += ' ';
  out_ += buf;
  out_ += '\n';
}

void metrics_text::sample(const std::string& name_and_labels, double value, int64_t timestamp_ms) {
  sample(name_and_labels, value);
  out_.back() = ' ';
  out_ += std::to_string(timestamp_ms);
  out_ += '\n';
}

void metrics_text::one(const char* name, const char* type, const char* help, double value) {
  family(name, type, help);
  sample(name, value);
}

void metrics_text::histogram_family(const char* name, const char* help, const histogram& h) {
  family(name, "histogram", help);
  const std::string base = name;
  uint64_t cumulative = 0;
  char le[32];
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    std::snprintf(le, sizeof le, "%g", h.bounds()[i]);
    sample(base + "_bucket{le=\"" + le + "\"}", static_cast<double>(cumulative));
  }
  sample(base + "_bucket{le=\"+Inf\"}", static_cast<double>(h.count()));
  sample(base + "_sum", h.sum());
  sample(base + "_count", static_cast<double>(h.count()));
}

} // namespace nodepulse::prom
