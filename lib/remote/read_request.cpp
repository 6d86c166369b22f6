#include "lib/remote/read_request.hpp"

#include "lib/prom/char_scan.hpp"
#include "lib/prom/utf8.hpp"
#include "lib/remote/prometheus_remote.pb.h"
#include "lib/remote/snappy_body.hpp"

#include <google/protobuf/arena.h>

namespace nodepulse::remote {

namespace {

// `body` decompressed into `plain`, at most `max_bytes` of it.
bool uncompress(std::string_view body, size_t max_bytes, std::string& plain, std::string& error) {
  size_t length = 0;
  switch (snappy_uncompress(body, max_bytes, plain, length, error)) {
    case snappy_outcome::ok:
      return true;
    case snappy_outcome::too_large:
      error = "the body decompresses to " + std::to_string(length) + " bytes, more than "
              + std::to_string(max_bytes);
      return false;
    case snappy_outcome::invalid:
      break;
  }
  return false;
}

} // namespace

bool decode_read_request(std::string_view body, size_t max_decompressed_bytes, size_t max_queries,
                         std::vector<read_query>& out, std::string& error) {
  out.clear();
  std::string plain;
  if (!uncompress(body, max_decompressed_bytes, plain, error))
    return false;
  google::protobuf::Arena arena;
  auto* req = google::protobuf::Arena::CreateMessage<ReadRequest>(&arena);
  if (!req->ParseFromArray(plain.data(), static_cast<int>(plain.size()))) {
    error = "the decompressed body is not a protobuf ReadRequest";
    return false;
  }
  if (req->accepted_response_types_size() > 0) {
    bool samples = false;
    for (int t : req->accepted_response_types())
      samples = samples || t == ReadRequest::SAMPLES;
    if (!samples) {
      error = "only the SAMPLES response type is served; the request accepts no other";
      return false;
    }
  }
  if (static_cast<size_t>(req->queries_size()) > max_queries) {
    error = std::to_string(req->queries_size()) + " queries in one request, more than "
            + std::to_string(max_queries);
    return false;
  }
  for (int i = 0; i < req->queries_size(); ++i) {
    const auto& q = req->queries(i);
    read_query query;
    query.start_ms = q.start_timestamp_ms();
    query.end_ms = q.end_timestamp_ms();
    auto where = "query " + std::to_string(i + 1);
    if (query.end_ms < query.start_ms) {
      error = where + ": its end is before its start";
      return false;
    }
    for (int j = 0; j < q.matchers_size(); ++j) {
      const auto& m = q.matchers(j);
      if (!prom::scan::valid_name(m.name(), false)) {
        error = where + ", matcher " + std::to_string(j + 1) + ": '" + m.name().substr(0, 128)
                + "' is not a label name";
        return false;
      }
      if (!prom::valid_utf8(m.value())) {
        error = where + ", matcher on " + m.name() + ": the value is not valid UTF-8";
        return false;
      }
      label_matcher lm;
      switch (m.type()) {
        case LabelMatcher::EQ:
          lm.kind = label_matcher::equal;
          break;
        case LabelMatcher::NEQ:
          lm.kind = label_matcher::not_equal;
          break;
        case LabelMatcher::RE:
          lm.kind = label_matcher::regex;
          break;
        case LabelMatcher::NRE:
          lm.kind = label_matcher::not_regex;
          break;
        default:
          error = where + ", matcher on " + m.name() + ": unknown matcher type "
                  + std::to_string(static_cast<int>(m.type()));
          return false;
      }
      lm.name = m.name();
      lm.value = m.value();
      query.matchers.push_back(std::move(lm));
    }
    out.push_back(std::move(query));
  }
  return true;
}

std::string encode_read_response(const std::vector<std::vector<read_series>>& results) {
  google::protobuf::Arena arena;
  auto* resp = google::protobuf::Arena::CreateMessage<ReadResponse>(&arena);
  for (const auto& result : results) {
    auto* qr = resp->add_results();
    qr->mutable_timeseries()->Reserve(static_cast<int>(result.size()));
    for (const auto& series : result) {
      auto* ts = qr->add_timeseries();
      for (const auto& [name, value] : series.labels) {
        auto* l = ts->add_labels();
        l->set_name(name);
        l->set_value(value);
      }
      ts->mutable_samples()->Reserve(static_cast<int>(series.samples.size()));
      for (const auto& s : series.samples) {
        auto* out = ts->add_samples();
        out->set_timestamp(s.timestamp_ms);
        out->set_value(s.value);
      }
    }
  }
  return snappy_compress(resp->SerializeAsString());
}

std::string encode_read_request(const std::vector<read_query>& queries) {
  ReadRequest req;
  req.add_accepted_response_types(ReadRequest::SAMPLES);
  for (const auto& q : queries) {
    auto* out = req.add_queries();
    out->set_start_timestamp_ms(q.start_ms);
    out->set_end_timestamp_ms(q.end_ms);
    for (const auto& m : q.matchers) {
      auto* lm = out->add_matchers();
      lm->set_type(static_cast<LabelMatcher::Type>(m.kind));
      lm->set_name(m.name);
      lm->set_value(m.value);
    }
  }
  return snappy_compress(req.SerializeAsString());
}

bool decode_read_response(std::string_view body, std::vector<std::vector<read_series>>& out) {
  out.clear();
  std::string plain;
  std::string error;
  if (!uncompress(body, size_t{1} << 31, plain, error))
    return false;
  ReadResponse resp;
  if (!resp.ParseFromArray(plain.data(), static_cast<int>(plain.size())))
    return false;
  for (const auto& qr : resp.results()) {
    auto& result = out.emplace_back();
    for (const auto& ts : qr.timeseries()) {
      auto& series = result.emplace_back();
      for (const auto& l : ts.labels())
        series.labels.emplace_back(l.name(), l.value());
      for (const auto& s : ts.samples())
        series.samples.push_back({s.timestamp(), s.value()});
    }
  }
  return true;
}

} // namespace nodepulse::remote
