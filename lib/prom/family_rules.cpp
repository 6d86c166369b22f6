#include "lib/prom/family_rules.hpp"

#include <array>

namespace nodepulse::prom {

namespace {

using suffix_list = std::array<std::string_view, 4>;

// Suffixes a family of `type` allows, and whether the bare name is a sample.
struct family_shape {
  bool bare;
  suffix_list suffixes;
};

family_shape shape_of(metric_type type, bool openmetrics) {
  if (!openmetrics) {
    switch (type) {
      case metric_type::histogram:
        return {false, {"_bucket", "_sum", "_count"}};
      case metric_type::summary:
        return {true, {"_sum", "_count"}};
      default:
        return {true, {}};
    }
  }
  switch (type) {
    case metric_type::counter:
      return {false, {"_total", "_created"}};
    case metric_type::histogram:
      return {false, {"_bucket", "_sum", "_count", "_created"}};
    case metric_type::gaugehistogram:
      return {false, {"_bucket", "_gsum", "_gcount"}};
    case metric_type::summary:
      return {true, {"_sum", "_count", "_created"}};
    case metric_type::info:
      return {false, {"_info"}};
    default:
      return {true, {}};
  }
}

constexpr std::array<std::string_view, 3> text_suffixes{"_bucket", "_sum", "_count"};
constexpr std::array<std::string_view, 8> openmetrics_suffixes{
  "_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size()
         && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

bool belongs_to_family(std::string_view sample_name, std::string_view family_name, metric_type type,
                       bool openmetrics) {
  auto shape = shape_of(type, openmetrics);
  if (sample_name.size() == family_name.size())
    return shape.bare && sample_name == family_name;
  if (sample_name.size() < family_name.size()
      || sample_name.compare(0, family_name.size(), family_name) != 0)
    return false;
  auto suffix = sample_name.substr(family_name.size());
  for (auto s : shape.suffixes)
    if (!s.empty() && s == suffix)
      return true;
  return false;
}

family_candidate next_family_candidate(std::string_view sample_name, int from, bool openmetrics) {
  auto try_list = [&](const auto& list) -> family_candidate {
    for (int i = from; i < static_cast<int>(list.size()); ++i)
      if (ends_with(sample_name, list[i]))
        return {sample_name.substr(0, sample_name.size() - list[i].size()), i + 1};
    return {{}, static_cast<int>(list.size())};
  };
  return openmetrics ? try_list(openmetrics_suffixes) : try_list(text_suffixes);
}

std::string_view required_label(std::string_view sample_name, std::string_view family_name,
                                metric_type type) {
  switch (type) {
    case metric_type::histogram:
    case metric_type::gaugehistogram:
      return ends_with(sample_name, "_bucket") && sample_name.size() == family_name.size() + 7
               ? "le"
               : "";
    case metric_type::summary:
      return sample_name.size() == family_name.size() ? "quantile" : "";
    default:
      return "";
  }
}

} // namespace nodepulse::prom
