// How many unknown tokens one client address may have looked up in the
// token database: a token bucket per address that each "no such token"
// answer drains (refilled at `per_second`, up to `burst`). An address whose
// bucket is empty is answered 429 without a query, so random tokens cannot
// drive the database; agents whose tokens exist never drain it. Bounded:
// at most `max_addresses` buckets; when full, idle (refilled) ones go, and
// if none is idle a new address is refused its lookups until one is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace nodepulse::ingest {

class address_miss_limiter {
public:
  address_miss_limiter(double per_second, double burst, size_t max_addresses)
    : per_second_(per_second), burst_(burst), max_addresses_(max_addresses) {}

  // May `address` look up a token now?
  bool allows(const std::string& address, int64_t now_ms);

  // A lookup from `address` found no such token.
  void missed(const std::string& address, int64_t now_ms);

  size_t addresses() const { return buckets_.size(); }

private:
  struct bucket {
    double tokens;
    int64_t at_ms;
  };
  double refilled(const bucket& b, int64_t now_ms) const;

  double per_second_;
  double burst_;
  size_t max_addresses_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace nodepulse::ingest
