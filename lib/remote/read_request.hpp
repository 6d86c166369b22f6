// Prometheus remote read on the serving side: a snappy-compressed protobuf
// ReadRequest becomes queries (a time range and label matchers each), and
// the series found become a snappy-compressed ReadResponse of the SAMPLES
// type. The storage side (which series, which samples) is lib/pg's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nodepulse::remote {

struct label_matcher {
  enum kind_t { equal, not_equal, regex, not_regex } kind = equal;
  std::string name; // "__name__" for the metric name, "server_id" for the server
  std::string value;
};

struct read_query {
  int64_t start_ms = 0;
  int64_t end_ms = 0; // inclusive, as Prometheus asks
  std::vector<label_matcher> matchers;
};

struct read_sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

// One series of an answer: its labels sorted by name (__name__ and
// server_id among them), its samples in time order.
struct read_series {
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<read_sample> samples;
};

// Decodes `body`; false and `error` (what and where) when it is not snappy,
// not a ReadRequest, asks only for response types other than SAMPLES, or
// holds more than `max_queries` queries or a matcher with an invalid name.
bool decode_read_request(std::string_view body, size_t max_decompressed_bytes, size_t max_queries,
                         std::vector<read_query>& out, std::string& error);

// A ReadResponse with one result per query, snappy-compressed.
std::string encode_read_response(const std::vector<std::vector<read_series>>& results);

// For tests and the benchmark: a ReadRequest of `queries`, snappy-compressed;
// and a ReadResponse decoded back (false when it is not one).
std::string encode_read_request(const std::vector<read_query>& queries);
bool decode_read_response(std::string_view body, std::vector<std::vector<read_series>>& out);

} // namespace nodepulse::remote
