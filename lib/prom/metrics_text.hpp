// A node's own metrics in the Prometheus text format, as served on GET
// /metrics by ingest, digest and agent (and the agent's up / scrape_*
// series): families with HELP and TYPE, plain samples and fixed-bucket
// histograms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nodepulse::prom {

// A histogram with fixed upper bounds, Prometheus style.
class histogram {
public:
  explicit histogram(std::vector<double> bounds);

  void observe(double value);
  // Adds `other`'s observations (same bounds) to this one's.
  void merge(const histogram& other);

  const std::vector<double>& bounds() const { return bounds_; }
  const std::vector<uint64_t>& counts() const { return counts_; } // per bucket, not cumulative
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Bounds for latencies in seconds, 0.5 ms .. 2.5 s.
std::vector<double> latency_bounds();

class metrics_text {
public:
  void family(const char* name, const char* type, const char* help);
  void sample(const std::string& name_and_labels, double value);
  // With an explicit timestamp (ms), as the agent stamps its own series.
  void sample(const std::string& name_and_labels, double value, int64_t timestamp_ms);
  // A family with a single unlabelled sample.
  void one(const char* name, const char* type, const char* help, double value);
  // A histogram family: _bucket per bound and +Inf, _sum, _count.
  void histogram_family(const char* name, const char* help, const histogram& h);

  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

} // namespace nodepulse::prom
