#include "lib/ingest/address_miss_limiter.hpp"

#include <algorithm>

namespace nodepulse::ingest {

double address_miss_limiter::refilled(const bucket& b, int64_t now_ms) const {
  double elapsed_s = static_cast<double>(std::max<int64_t>(0, now_ms - b.at_ms)) / 1000.0;
  return std::min(burst_, b.tokens + elapsed_s * per_second_);
}

bool address_miss_limiter::allows(const std::string& address, int64_t now_ms) {
  auto it = buckets_.find(address);
  if (it != buckets_.end())
    return refilled(it->second, now_ms) >= 1.0;
  return buckets_.size() < max_addresses_ || [&] {
    // Full: forget the addresses that are back to a full bucket.
    for (auto i = buckets_.begin(); i != buckets_.end();)
      i = refilled(i->second, now_ms) >= burst_ ? buckets_.erase(i) : std::next(i);
    return buckets_.size() < max_addresses_;
  }();
}

void address_miss_limiter::missed(const std::string& address, int64_t now_ms) {
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_)
      return; // allows() refuses new addresses until some are idle again
    it = buckets_.emplace(address, bucket{burst_, now_ms}).first;
  }
  it->second.tokens = std::max(0.0, refilled(it->second, now_ms) - 1.0);
  it->second.at_ms = now_ms;
}

} // namespace nodepulse::ingest
