#include "lib/remote/write_request.hpp"

#include "lib/prom/char_scan.hpp"
#include "lib/prom/utf8.hpp"
#include "lib/remote/prometheus_remote.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstring>
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
// or its name without the suffix a histogram or summary adds; `f` gets its
// name and, when the sender described it, type, HELP and unit (in `arena`).
void family_for(std::string_view name, std::string_view server_id, const metadata_cache& cache,
                prom::string_arena& arena, prom::family& f) {
  auto described = [&](std::string_view family) {
    return cache.with(server_id, family, [&](const family_metadata& m) {
      f.type = m.type;
      f.has_type = true;
      f.help = arena.copy(m.help);
      f.has_help = !m.help.empty();
      f.unit = arena.copy(m.unit);
      f.has_unit = !m.unit.empty();
    });
  };
  f.name = name;
  if (described(name))
    return;
  for (std::string_view suffix : {"_bucket", "_sum", "_count", "_created"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      auto base = name.substr(0, name.size() - suffix.size());
      if (described(base)) {
        f.name = base;
        return;
      }
    }
  }
}

std::string series_where(size_t index, std::string_view name) {
  std::string where = "series " + std::to_string(index + 1);
  if (!name.empty())
    where += " (" + std::string{name.substr(0, 128)} + ")";
  return where;
}

// The request read field by field with libprotobuf's wire reader: label
// names and values stay views into the decompressed body, where the
// generated classes would copy each into a string of its own (a quarter
// of the ingest's time per request, measured). Field numbers come from the
// generated classes, so the .proto stays the one description of the wire.
class wire_reader {
public:
  using wire_type = google::protobuf::internal::WireFormatLite::WireType;

  explicit wire_reader(std::string_view bytes)
    : in_(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size())),
      size_(bytes.size()) {}

  // The next field of the current message; false at its end (or at a
  // malformed tag: each() and message() tell by where reading stopped).
  bool next(int& field, wire_type& type) {
    uint32_t tag = in_.ReadTag();
    if (tag == 0)
      return false;
    field = google::protobuf::internal::WireFormatLite::GetTagFieldNumber(tag);
    type = google::protobuf::internal::WireFormatLite::GetTagWireType(tag);
    tag_ = tag;
    return true;
  }

  bool bytes(std::string_view& out) {
    uint32_t length = 0;
    if (!in_.ReadVarint32(&length))
      return false;
    if (length == 0) {
      out = {};
      return true;
    }
    const void* data = nullptr;
    int available = 0;
    if (!in_.GetDirectBufferPointer(&data, &available) || static_cast<uint32_t>(available) < length)
      return false;
    out = {static_cast<const char*>(data), length};
    return in_.Skip(static_cast<int>(length));
  }

  bool varint(uint64_t& v) { return in_.ReadVarint64(&v); }
  bool fixed64(uint64_t& v) { return in_.ReadLittleEndian64(&v); }
  bool skip() { return google::protobuf::internal::WireFormatLite::SkipField(&in_, tag_); }

  // Reads a length-delimited message with `f` (which reads its fields and
  // says whether they made sense); false if it does not end where its
  // length says.
  template <class F>
  bool message(F&& f) {
    uint32_t length = 0;
    if (!in_.ReadVarint32(&length) || length > static_cast<uint32_t>(in_.BytesUntilLimit()))
      return false;
    auto limit = in_.PushLimit(static_cast<int>(length));
    bool ok = f() && in_.BytesUntilLimit() == 0;
    in_.PopLimit(limit);
    return ok;
  }

  // Reads a length-delimited message field by field: `f(field, type)`
  // reads or skips each and says whether it could.
  template <class F>
  bool message_fields(F&& f) {
    return message([&] {
      int field;
      wire_type type;
      while (next(field, type))
        if (!f(field, type))
          return false;
      return true;
    });
  }

  // Reads the fields to the body's end: `f` at each length-delimited field
  // `number` (it reads the field and says whether to go on), the others
  // skipped. false if `f` said stop or the body is malformed.
  template <class F>
  bool each(int number, F&& f) {
    int field;
    wire_type type;
    while (next(field, type)) {
      bool ok = field == number
                    && type == google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED
                  ? f()
                  : skip();
      if (!ok)
        return false;
    }
    return static_cast<size_t>(in_.CurrentPosition()) == size_; // no malformed tag stopped it
  }

private:
  google::protobuf::io::CodedInputStream in_;
  size_t size_;
  uint32_t tag_ = 0;
};

using wire_type = wire_reader::wire_type;
constexpr auto length_delimited =
  google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr auto varint_wire = google::protobuf::internal::WireFormatLite::WIRETYPE_VARINT;
constexpr auto fixed64_wire = google::protobuf::internal::WireFormatLite::WIRETYPE_FIXED64;

// A field the reader does not use is skipped, as the generated parser would.
bool read_label(wire_reader& in, prom::label& out) {
  out = {};
  return in.message_fields([&](int field, wire_type type) {
    return type != length_delimited            ? in.skip()
           : field == Label::kNameFieldNumber  ? in.bytes(out.name)
           : field == Label::kValueFieldNumber ? in.bytes(out.value)
                                               : in.skip();
  });
}

bool read_sample(wire_reader& in, double& value, int64_t& timestamp_ms) {
  value = 0;
  timestamp_ms = 0;
  return in.message_fields([&](int field, wire_type type) {
    uint64_t v = 0;
    if (field == Sample::kValueFieldNumber && type == fixed64_wire) {
      if (!in.fixed64(v))
        return false;
      std::memcpy(&value, &v, sizeof value); // a stale marker stays the NaN it is, bit for bit
      return true;
    }
    if (field == Sample::kTimestampFieldNumber && type == varint_wire) {
      if (!in.varint(v))
        return false;
      timestamp_ms = static_cast<int64_t>(v);
      return true;
    }
    return in.skip();
  });
}

struct metadata_entry {
  uint64_t type = 0;
  std::string_view name, help, unit;
};

bool read_metadata(wire_reader& in, metadata_entry& out) {
  out = {};
  return in.message_fields([&](int field, wire_type type) {
    return field == MetricMetadata::kTypeFieldNumber && type == varint_wire ? in.varint(out.type)
           : type != length_delimited                                       ? in.skip()
           : field == MetricMetadata::kMetricFamilyNameFieldNumber          ? in.bytes(out.name)
           : field == MetricMetadata::kHelpFieldNumber                      ? in.bytes(out.help)
           : field == MetricMetadata::kUnitFieldNumber                      ? in.bytes(out.unit)
                                                                            : in.skip();
  });
}

} // namespace

struct write_decoder::impl {
  prom::family_index family_of_name;               // series name -> family, this request
  std::vector<prom::label> labels;                 // one series' labels as sent
  std::vector<std::pair<double, int64_t>> samples; // one series' samples
  std::string_view last_name;                      // the previous series' name
  uint32_t last_family = prom::family_index::npos; // and its family
};

write_decoder::write_decoder() : impl_(std::make_unique<impl>()) {}
write_decoder::~write_decoder() = default;

void write_decoder::shed(size_t keep_bytes) {
  if (plain_.capacity() > keep_bytes)
    std::string{}.swap(plain_);
  auto held = impl_->family_of_name.capacity_bytes()
              + impl_->labels.capacity() * sizeof(prom::label)
              + impl_->samples.capacity() * sizeof(impl_->samples[0]);
  if (held > keep_bytes)
    impl_ = std::make_unique<impl>();
}

write_result write_decoder::decode(std::string_view body, std::string_view server_id,
                                   metadata_cache* cache, const write_limits& limits,
                                   prom::sample_batch& out) {
  size_t length = 0;
  std::string error;
  switch (snappy_uncompress(body, limits.max_inflated_bytes, plain_, length, error)) {
    case snappy_outcome::ok:
      break;
    case snappy_outcome::too_large: {
      out.clear();
      write_result r;
      r.status = 413;
      r.error = "body decompresses to " + std::to_string(length)
                + " bytes, more than limits.max_inflated_bytes ("
                + std::to_string(limits.max_inflated_bytes) + " bytes)";
      return r;
    }
    case snappy_outcome::invalid: {
      out.clear();
      write_result r;
      r.error = std::move(error);
      return r;
    }
  }
  return decode_plain(plain_, server_id, cache, limits, out);
}

write_result write_decoder::decode_plain(std::string_view plain, std::string_view server_id,
                                         metadata_cache* cache, const write_limits& limits,
                                         prom::sample_batch& out) {
  write_result r;
  out.clear();
  auto& st = *impl_;
  st.family_of_name.clear();
  st.last_name = {};
  st.last_family = prom::family_index::npos;
  // Refuses the request with a reason (false: stop reading).
  auto fail = [&](uint16_t status, std::string error) {
    r.ok = false;
    r.status = status;
    r.error = std::move(error);
    return false;
  };
  // Reading stopped: for the reason given, or because the body is malformed.
  auto refused = [&] {
    if (r.error.empty())
      fail(400, "the decompressed body is not a protobuf WriteRequest");
    out.clear();
    return r;
  };

  // Metadata first: a request may carry a family's metadata and its samples.
  wire_reader meta_in{plain};
  bool whole = meta_in.each(WriteRequest::kMetadataFieldNumber, [&] {
    metadata_entry m;
    if (!read_metadata(meta_in, m))
      return false;
    auto index = std::to_string(r.metadata + 1);
    if (!prom::scan::valid_name(m.name, true))
      return fail(400, "metadata " + index + ": metric_family_name '"
                         + std::string{m.name.substr(0, 128)} + "' is not a valid metric name");
    if (!prom::valid_utf8(m.help) || !prom::valid_utf8(m.unit))
      return fail(400, "metadata " + index + " (" + std::string{m.name.substr(0, 128)}
                         + "): help or unit is not valid UTF-8");
    if (cache != nullptr)
      cache->put(server_id, m.name,
                 {type_of(static_cast<MetricMetadata::MetricType>(m.type)), std::string{m.help},
                  std::string{m.unit}});
    ++r.metadata;
    return true;
  });
  if (!whole)
    return refused();

  const auto& lim = limits.limits;
  static const metadata_cache no_metadata{0};
  const metadata_cache& known = cache != nullptr ? *cache : no_metadata;
  wire_reader in{plain};
  whole = in.each(WriteRequest::kTimeseriesFieldNumber, [&] {
    st.labels.clear();
    st.samples.clear();
    bool read = in.message_fields([&](int f, wire_type t) {
      if (t != length_delimited)
        return in.skip();
      if (f == TimeSeries::kLabelsFieldNumber) {
        st.labels.emplace_back();
        return read_label(in, st.labels.back());
      }
      if (f == TimeSeries::kSamplesFieldNumber) {
        st.samples.emplace_back();
        return read_sample(in, st.samples.back().first, st.samples.back().second);
      }
      r.histograms_dropped += f == TimeSeries::kHistogramsFieldNumber;
      r.exemplars_dropped += f == TimeSeries::kExemplarsFieldNumber;
      return in.skip();
    });
    if (!read)
      return false;
    const size_t index = r.series;
    std::string_view name;
    for (const auto& l : st.labels)
      if (l.name == "__name__")
        name = l.value;
    auto where = [&] { return series_where(index, name); };
    if (name.empty())
      return fail(400, where() + ": no __name__ label");
    if (name.size() > lim.max_name_bytes || !prom::scan::valid_name(name, true))
      return fail(400, where() + ": __name__ '" + std::string{name.substr(0, 128)}
                         + "' is not a valid metric name");
    if (st.labels.size() > lim.max_labels_per_sample + 1)
      return fail(400, where() + ": " + std::to_string(st.labels.size())
                         + " labels, more than the limit of "
                         + std::to_string(lim.max_labels_per_sample));
    auto first_label = static_cast<uint32_t>(out.labels.size());
    std::string_view previous;
    for (size_t j = 0; j < st.labels.size(); ++j) {
      auto ln = st.labels[j].name;
      auto lv = st.labels[j].value;
      if (ln.size() > lim.max_name_bytes || !prom::scan::valid_name(ln, false))
        return fail(400,
                    where() + ": label name '" + std::string{ln.substr(0, 128)} + "' is not valid");
      if (j > 0 && ln <= previous)
        return fail(400,
                    where() + ": label '" + std::string{ln.substr(0, 128)}
                      + (ln == previous ? "' appears twice"
                                        : "' is out of order (labels must be sorted by name)"));
      previous = ln;
      if (lv.size() > lim.max_label_value_bytes)
        return fail(400, where() + ": the value of label '" + std::string{ln.substr(0, 128)}
                           + "' is " + std::to_string(lv.size()) + " bytes, more than "
                           + std::to_string(lim.max_label_value_bytes));
      if (!prom::valid_utf8(lv))
        return fail(400, where() + ": the value of label '" + std::string{ln.substr(0, 128)}
                           + "' is not valid UTF-8");
      if (ln == "__name__" || lv.empty()) // an empty value is the label's absence
        continue;
      out.labels.push_back({ln, lv});
    }
    prom::label_range labels{first_label, static_cast<uint32_t>(out.labels.size()) - first_label};

    // Series of one name share their family: the cache is asked once per
    // name and request, not once per series; senders send a name's series
    // one after another, so the last one's family is tried first.
    uint32_t family = prom::family_index::npos;
    if (name == st.last_name)
      family = st.last_family;
    uint64_t name_hash = 0;
    if (family == prom::family_index::npos) {
      name_hash = prom::family_index::hash(name);
      family = st.family_of_name.find(name, name_hash);
    }
    if (family == prom::family_index::npos) {
      prom::family f;
      family_for(name, server_id, known, out.arena, f);
      auto hash = prom::family_index::hash(f.name);
      family = out.by_name.find(f.name, hash);
      if (family == prom::family_index::npos) {
        if (lim.max_families != 0 && out.families.size() >= lim.max_families)
          return fail(413, "more than " + std::to_string(lim.max_families)
                             + " metric families in one request (limits.max_families)");
        family = static_cast<uint32_t>(out.families.size());
        out.families.push_back(f);
        out.by_name.insert(f.name, hash, family);
      }
      st.family_of_name.insert(name, name_hash, family);
    }
    st.last_name = name;
    st.last_family = family;
    for (const auto& [value, timestamp_ms] : st.samples) {
      if (lim.max_samples != 0 && out.samples.size() >= lim.max_samples)
        return fail(413, "more than " + std::to_string(lim.max_samples)
                           + " samples in one request (limits.max_samples)");
      prom::sample sample;
      sample.name = name;
      sample.family = family;
      sample.labels = labels;
      sample.value = value;
      sample.has_timestamp = true;
      sample.timestamp_ms = timestamp_ms;
      out.samples.push_back(sample);
      ++out.families[family].sample_count;
    }
    ++r.series;
    return true;
  });
  if (!whole)
    return refused();
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
