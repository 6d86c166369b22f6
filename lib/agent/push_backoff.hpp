// How long the pusher waits after its `failures`-th failure in a row:
// base doubling up to cap, with "equal jitter" (half fixed, half random) so
// a fleet that lost its ingest at the same moment does not come back in
// lockstep; never less than the server's Retry-After.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace nodepulse::agent {

struct backoff_policy {
  std::chrono::milliseconds base{1'000};
  std::chrono::milliseconds cap{60'000};
  std::chrono::milliseconds max_retry_after{600'000}; // a Retry-After beyond is cut to this
};

// `jitter` in [0, 1); `retry_after_s` < 0 when the server sent none.
inline std::chrono::milliseconds push_backoff(const backoff_policy& p, uint32_t failures,
                                              double jitter, int64_t retry_after_s) {
  auto shift = std::min<uint32_t>(failures == 0 ? 0 : failures - 1, 20);
  auto full = std::min<int64_t>(p.base.count() << shift, p.cap.count());
  auto delay = full / 2 + static_cast<int64_t>(static_cast<double>(full / 2) * jitter);
  if (retry_after_s >= 0)
    delay =
      std::max<int64_t>(delay, std::min<int64_t>(retry_after_s * 1000, p.max_retry_after.count()));
  return std::chrono::milliseconds{delay};
}

} // namespace nodepulse::agent
