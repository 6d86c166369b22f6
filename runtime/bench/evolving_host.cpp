#include "runtime/bench/evolving_host.hpp"

#include <cmath>
#include <string>
#include <unordered_map>

namespace nodepulse::bench {

namespace {

std::string key_of(const prom::sample_batch& b, const prom::sample& s) {
  std::string key{s.name};
  for (const auto& l : b.labels_of(s.labels)) {
    key += '\x1f';
    key += l.name;
    key += '=';
    key += l.value;
  }
  return key;
}

bool counter_like(const prom::sample_batch& b, const prom::sample& s) {
  auto type = b.family_of(s).type;
  if (type == prom::metric_type::counter)
    return true;
  std::string_view name = s.name;
  for (std::string_view suffix : {"_total", "_count", "_sum", "_bucket"})
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix)
      return true;
  return false;
}

} // namespace

evolving_host::evolving_host(const prom::sample_batch& first, const prom::sample_batch& second,
                             uint64_t seed)
  : random_(seed) {
  std::unordered_map<std::string, double> later;
  for (const auto& s : second.samples)
    later.emplace(key_of(second, s), s.value);
  std::uniform_real_distribution<double> scale{0.5, 2.0};
  for (const auto& s : first.samples) {
    sample_motion m;
    if (auto it = later.find(key_of(first, s));
        it != later.end() && std::isfinite(s.value) && std::isfinite(it->second))
      m.delta = it->second - s.value;
    m.counter = counter_like(first, s);
    m.integral = std::floor(s.value) == s.value && std::floor(m.delta) == m.delta;
    m.non_negative = s.value >= 0;
    double v = s.value;
    if (std::isfinite(v) && v != 0 && v != 1)
      v *= scale(random_);
    if (m.integral)
      v = std::round(v);
    motion_.push_back(m);
    values_.push_back(v);
  }
}

void evolving_host::next(prom::sample_batch& batch) {
  std::uniform_real_distribution<double> factor{0.3, 1.7}, swing{-1.5, 1.5};
  for (size_t i = 0; i < values_.size() && i < batch.samples.size(); ++i) {
    const auto& m = motion_[i];
    if (m.delta != 0) {
      double step = m.counter ? std::fabs(m.delta) * factor(random_) : m.delta * swing(random_);
      values_[i] += step;
      if (m.non_negative && values_[i] < 0) // a level that cannot go below zero
        values_[i] = -values_[i];
      if (m.integral)
        values_[i] = std::round(values_[i]);
    }
    batch.samples[i].value = values_[i];
  }
}

size_t evolving_host::moving() const {
  size_t n = 0;
  for (const auto& m : motion_)
    n += m.delta != 0 ? 1 : 0;
  return n;
}

} // namespace nodepulse::bench
