// The remote read endpoint's side of PostgreSQL: the series a query's
// matchers select (admiral.series and admiral.metrics; `__name__` is the
// metric name, `server_id` the server), then their samples in the range
// from both tiers (admiral.series_samples, sql/008). Series that differ
// only in type, HELP or unit (stored apart, look alike to Prometheus) are
// one series in the answer. Each query runs under statement_timeout, so
// PostgreSQL itself cancels one that takes too long. One blocking libpq
// connection, owned by a detached actor; reconnects after any failure.
#pragma once

#include "lib/remote/read_request.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodepulse::pg {

struct read_limits {
  size_t max_series = 10'000;     // per query, before merging look-alikes
  size_t max_samples = 5'000'000; // per request, all queries together
  int64_t max_range_ms = 32LL * 24 * 3'600'000;
  std::chrono::milliseconds timeout{30'000}; // per request
};

struct read_outcome {
  enum kind_t {
    ok,
    invalid,     // a matcher PostgreSQL cannot run (an invalid regular expression)
    over_limit,  // more series, samples or time than read_limits allows
    timed_out,   // statement_timeout cancelled it
    unreachable, // the database did not answer
  } kind = ok;
  std::string error; // what, and which limit
};

class sample_reader {
public:
  explicit sample_reader(std::string dsn);
  ~sample_reader();
  sample_reader(const sample_reader&) = delete;
  sample_reader& operator=(const sample_reader&) = delete;

  // The answer to each query in `queries`, in their order.
  read_outcome read(const std::vector<remote::read_query>& queries, const read_limits& limits,
                    std::vector<std::vector<remote::read_series>>& out);

private:
  std::string dsn_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace nodepulse::pg
