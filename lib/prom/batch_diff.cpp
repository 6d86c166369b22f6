#include "lib/prom/batch_diff.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace nodepulse::prom {

namespace {

bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0; // also tells 0.0 from -0.0
}

// Sample indices of each family, in input order.
std::vector<std::vector<uint32_t>> samples_by_family(const sample_batch& b) {
  std::vector<std::vector<uint32_t>> out(b.families.size());
  for (uint32_t i = 0; i < b.samples.size(); ++i)
    out[b.samples[i].family].push_back(i);
  return out;
}

std::string compare_samples(const sample_batch& a, const sample& x, const sample_batch& b,
                            const sample& y) {
  if (x.name != y.name)
    return "name " + std::string{y.name};
  if (!same_value(x.value, y.value))
    return "value";
  if (x.has_timestamp != y.has_timestamp || x.timestamp_ms != y.timestamp_ms)
    return "timestamp";
  auto lx = a.labels_of(x.labels);
  auto ly = b.labels_of(y.labels);
  if (lx.size() != ly.size())
    return "label count";
  for (size_t k = 0; k < lx.size(); ++k)
    if (lx.begin()[k].name != ly.begin()[k].name || lx.begin()[k].value != ly.begin()[k].value)
      return "label " + std::string{lx.begin()[k].name};
  return "";
}

} // namespace

std::string first_difference(const sample_batch& a, const sample_batch& b) {
  if (a.samples.size() != b.samples.size())
    return "sample count " + std::to_string(a.samples.size()) + " vs "
           + std::to_string(b.samples.size());
  if (a.families.size() != b.families.size())
    return "family count " + std::to_string(a.families.size()) + " vs "
           + std::to_string(b.families.size());
  auto in_a = samples_by_family(a);
  auto in_b = samples_by_family(b);
  for (size_t f = 0; f < a.families.size(); ++f) {
    const family& fa = a.families[f];
    const family& fb = b.families[f];
    std::string at = "family " + std::string{fa.name} + ", ";
    if (fa.name != fb.name)
      return at + "name " + std::string{fb.name};
    if (fa.type != fb.type || fa.has_type != fb.has_type)
      return at + "type";
    if (fa.help != fb.help || fa.has_help != fb.has_help)
      return at + "help";
    if (in_a[f].size() != in_b[f].size())
      return at + "sample count";
    for (size_t k = 0; k < in_a[f].size(); ++k) {
      auto what = compare_samples(a, a.samples[in_a[f][k]], b, b.samples[in_b[f][k]]);
      if (!what.empty())
        return at + "sample " + std::to_string(k) + ": " + what;
    }
  }
  return "";
}

} // namespace nodepulse::prom
