#include "lib/digest/series_keys.hpp"

#include "lib/prom/jsonl_writer.hpp"

#include <algorithm>
#include <array>

namespace nodepulse::digest {

std::string_view unit_of(const prom::family& fam) {
  if (fam.has_unit && !fam.unit.empty())
    return fam.unit;
  std::string_view name = fam.name;
  constexpr std::string_view total = "_total";
  if (name.size() > total.size() && name.substr(name.size() - total.size()) == total)
    name.remove_suffix(total.size());
  for (std::string_view unit : {"seconds", "bytes", "celsius", "ratio", "volts", "amperes",
                                "joules", "grams", "meters", "hertz", "watts", "percent"}) {
    if (name.size() > unit.size() + 1 && name.substr(name.size() - unit.size()) == unit
        && name[name.size() - unit.size() - 1] == '_')
      return unit;
  }
  return {};
}

metric_key metric_of(const prom::sample_batch& batch, const prom::sample& s) {
  const auto& fam = batch.family_of(s);
  metric_key key;
  key.name = std::string{s.name};
  key.type = std::string{prom::to_string(fam.type)};
  if (fam.has_help)
    key.help = std::string{fam.help};
  if (auto unit = unit_of(fam); !unit.empty())
    key.unit = std::string{unit};
  return key;
}

void append_labels_json(const prom::sample_batch& batch, const prom::sample& s, std::string& out) {
  auto labels = batch.labels_of(s.labels);
  // Label sets are short (node_exporter's have up to 8): sorting pointers
  // on the stack beats any allocation.
  constexpr size_t inline_max = 32;
  std::array<const prom::label*, inline_max> inline_order;
  std::vector<const prom::label*> heap_order;
  const prom::label** order = inline_order.data();
  if (labels.size() > inline_max) {
    heap_order.resize(labels.size());
    order = heap_order.data();
  }
  size_t n = 0;
  for (const auto& l : labels)
    order[n++] = &l;
  std::sort(order, order + n,
            [](const prom::label* a, const prom::label* b) { return a->name < b->name; });
  out += '{';
  for (size_t i = 0; i < n; ++i) {
    if (i > 0)
      out += ',';
    prom::append_json_string(order[i]->name, out);
    out += ':';
    prom::append_json_string(order[i]->value, out);
  }
  out += '}';
}

} // namespace nodepulse::digest
