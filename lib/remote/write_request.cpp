#include "lib/remote/write_request.hpp"

#include "lib/prom/char_scan.hpp"
#include "lib/prom/utf8.hpp"
#include "lib/remote/prometheus_remote.pb.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <utility>

namespace nodepulse::remote {

namespace {

prom::metric_type type_of(MetricMetadata::MetricType t) {
  switch (t) {
    case MetricMetadata::COUNTER:
      return prom::metric_type::counter;
    case MetricMetadata::GAUGE:
      return prom::metric_type::gauge;
    case MetricMetadata::HISTOGRAM:
      return prom::metric_type::histogram;
    case MetricMetadata::GAUGEHISTOGRAM:
      return prom::metric_type::gaugehistogram;
    case MetricMetadata::SUMMARY:
      return prom::metric_type::summary;
    case MetricMetadata::INFO:
      return prom::metric_type::info;
    case MetricMetadata::STATESET:
      return prom::metric_type::stateset;
    default:
      return prom::metric_type::untyped;
  }
}

// The family a series name belongs to, as its metadata names it: itself,
// or its name without the suffix a histogram or summary adds.
std::string_view family_name_for(std::string_view name, std::string_view server_id,
                                 const metadata_cache& cache,
                                 std::optional<family_metadata>& meta) {
  meta = cache.get(server_id, name);
  if (meta)
    return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count", "_created"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      auto base = name.substr(0, name.size() - suffix.size());
      meta = cache.get(server_id, base);
      if (meta)
        return base;
    }
  }
  return name;
}

std::string series_where(size_t index, std::string_view name) {
  std::string where = "series " + std::to_string(index + 1);
  if (!name.empty())
    where += " (" + std::string{name.substr(0, 128)} + ")";
  return where;
}

} // namespace

struct write_decoder::impl {
  google::protobuf::Arena arena;
  prom::family_index family_of_name; // series name -> family, this request
};

write_decoder::write_decoder() : impl_(std::make_unique<impl>()) {}
write_decoder::~write_decoder() = default;

void write_decoder::shed(size_t keep_bytes) {
  if (plain_.capacity() > keep_bytes)
    std::string{}.swap(plain_);
  if (impl_->arena.SpaceAllocated() > keep_bytes)
    impl_ = std::make_unique<impl>();
}

write_result write_decoder::decode(std::string_view body, std::string_view server_id,
                                   metadata_cache* cache, const write_limits& limits,
                                   prom::sample_batch& out) {
  write_result r;
  out.clear();
  impl_->family_of_name.clear();
  impl_->arena.Reset();
  auto fail = [&](uint16_t status, std::string error) {
    r.ok = false;
    r.status = status;
    r.error = std::move(error);
    out.clear();
    return r;
  };
  size_t length = 0;
  std::string error;
  switch (snappy_uncompress(body, limits.max_inflated_bytes, plain_, length, error)) {
    case snappy_outcome::ok:
      break;
    case snappy_outcome::too_large:
      return fail(413, "body decompresses to " + std::to_string(length)
                         + " bytes, more than limits.max_inflated_bytes ("
                         + std::to_string(limits.max_inflated_bytes) + " bytes)");
    case snappy_outcome::invalid:
      return fail(400, std::move(error));
  }
  auto* req = google::protobuf::Arena::CreateMessage<WriteRequest>(&impl_->arena);
  if (!req->ParseFromArray(plain_.data(), static_cast<int>(plain_.size())))
    return fail(400, "the decompressed body is not a protobuf WriteRequest");

  // Metadata first: a request may carry a family's metadata and its samples.
  for (int i = 0; i < req->metadata_size(); ++i) {
    const auto& m = req->metadata(i);
    const std::string& name = m.metric_family_name();
    if (!prom::scan::valid_name(name, true))
      return fail(400, "metadata " + std::to_string(i + 1) + ": metric_family_name '"
                         + name.substr(0, 128) + "' is not a valid metric name");
    if (!prom::valid_utf8(m.help()) || !prom::valid_utf8(m.unit()))
      return fail(400, "metadata " + std::to_string(i + 1) + " (" + name.substr(0, 128)
                         + "): help or unit is not valid UTF-8");
    if (cache != nullptr)
      cache->put(server_id, name, {type_of(m.type()), m.help(), m.unit()});
    ++r.metadata;
  }

  const auto& lim = limits.limits;
  static const metadata_cache no_metadata{0};
  const metadata_cache& known = cache != nullptr ? *cache : no_metadata;
  for (int i = 0; i < req->timeseries_size(); ++i) {
    const auto& ts = req->timeseries(i);
    r.histograms_dropped += static_cast<uint32_t>(ts.histograms_size());
    r.exemplars_dropped += static_cast<uint32_t>(ts.exemplars_size());
    std::string_view name;
    for (const auto& l : ts.labels())
      if (l.name() == "__name__")
        name = l.value();
    auto where = [&] { return series_where(static_cast<size_t>(i), name); };
    if (name.empty())
      return fail(400, where() + ": no __name__ label");
    if (name.size() > lim.max_name_bytes || !prom::scan::valid_name(name, true))
      return fail(400, where() + ": __name__ '" + std::string{name.substr(0, 128)}
                         + "' is not a valid metric name");
    if (static_cast<size_t>(ts.labels_size()) > lim.max_labels_per_sample + 1)
      return fail(400, where() + ": " + std::to_string(ts.labels_size())
                         + " labels, more than the limit of "
                         + std::to_string(lim.max_labels_per_sample));
    auto first_label = static_cast<uint32_t>(out.labels.size());
    std::string_view previous;
    for (int j = 0; j < ts.labels_size(); ++j) {
      const std::string& ln = ts.labels(j).name();
      const std::string& lv = ts.labels(j).value();
      if (ln.size() > lim.max_name_bytes || !prom::scan::valid_name(ln, false))
        return fail(400, where() + ": label name '" + ln.substr(0, 128) + "' is not valid");
      if (j > 0 && std::string_view{ln} <= previous)
        return fail(400, where() + ": label '" + ln.substr(0, 128)
                           + (std::string_view{ln} == previous ? "' appears twice"
                                                               : "' is out of order (labels "
                                                                 "must be sorted by name)"));
      previous = ln;
      if (lv.size() > lim.max_label_value_bytes)
        return fail(400, where() + ": the value of label '" + ln.substr(0, 128) + "' is "
                           + std::to_string(lv.size()) + " bytes, more than "
                           + std::to_string(lim.max_label_value_bytes));
      if (!prom::valid_utf8(lv))
        return fail(400, where() + ": the value of label '" + ln.substr(0, 128)
                           + "' is not valid UTF-8");
      if (ln == "__name__" || lv.empty()) // an empty value is the label's absence
        continue;
      out.labels.push_back({ln, lv});
    }
    prom::label_range labels{first_label, static_cast<uint32_t>(out.labels.size()) - first_label};

    // Series of one name share their family: the cache is asked once per
    // name and request, not once per series.
    auto name_hash = prom::family_index::hash(name);
    uint32_t family = impl_->family_of_name.find(name, name_hash);
    if (family == prom::family_index::npos) {
      std::optional<family_metadata> meta;
      auto family_name = family_name_for(name, server_id, known, meta);
      auto hash = prom::family_index::hash(family_name);
      family = out.by_name.find(family_name, hash);
      if (family == prom::family_index::npos) {
        if (lim.max_families != 0 && out.families.size() >= lim.max_families)
          return fail(413, "more than " + std::to_string(lim.max_families)
                             + " metric families in one request (limits.max_families)");
        prom::family f;
        f.name = family_name;
        if (meta) {
          f.type = meta->type;
          f.has_type = true;
          f.help = out.arena.copy(meta->help);
          f.has_help = !meta->help.empty();
          f.unit = out.arena.copy(meta->unit);
          f.has_unit = !meta->unit.empty();
        }
        family = static_cast<uint32_t>(out.families.size());
        out.families.push_back(f);
        out.by_name.insert(family_name, hash, family);
      }
      impl_->family_of_name.insert(name, name_hash, family);
    }
    for (const auto& s : ts.samples()) {
      if (lim.max_samples != 0 && out.samples.size() >= lim.max_samples)
        return fail(413, "more than " + std::to_string(lim.max_samples)
                           + " samples in one request (limits.max_samples)");
      prom::sample sample;
      sample.name = name;
      sample.family = family;
      sample.labels = labels;
      sample.value = s.value(); // a stale marker stays the NaN it is, bit for bit
      sample.has_timestamp = true;
      sample.timestamp_ms = s.timestamp();
      out.samples.push_back(sample);
      ++out.families[family].sample_count;
    }
    ++r.series;
  }
  r.ok = true;
  r.status = 200;
  return r;
}

struct write_request_encoder::impl {
  WriteRequest request;
};

write_request_encoder::write_request_encoder(const prom::sample_batch& batch,
                                             const std::vector<prom::label>& extra)
  : impl_(std::make_unique<impl>()) {
  for (const auto& s : batch.samples) {
    std::vector<std::pair<std::string, std::string>> labels;
    labels.emplace_back("__name__", std::string{s.name});
    for (const auto& l : batch.labels_of(s.labels))
      labels.emplace_back(std::string{l.name}, std::string{l.value});
    for (const auto& l : extra)
      labels.emplace_back(std::string{l.name}, std::string{l.value});
    std::sort(labels.begin(), labels.end());
    auto* ts = impl_->request.add_timeseries();
    for (auto& [name, value] : labels) {
      auto* l = ts->add_labels();
      l->set_name(std::move(name));
      l->set_value(std::move(value));
    }
    ts->add_samples()->set_value(s.value);
  }
}

write_request_encoder::~write_request_encoder() = default;

size_t write_request_encoder::samples() const {
  return static_cast<size_t>(impl_->request.timeseries_size());
}

std::string write_request_encoder::body(int64_t timestamp_ms) {
  for (auto& ts : *impl_->request.mutable_timeseries())
    ts.mutable_samples(0)->set_timestamp(timestamp_ms);
  return snappy_compress(impl_->request.SerializeAsString());
}

} // namespace nodepulse::remote
