// How long a supervisor waits before restarting a child that died `deaths`
// times in its slot: 50 ms, doubling, at most 10 s. Quick enough that one
// crash costs nothing; slow enough that a crash loop does not eat a core.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace nodepulse {

inline std::chrono::milliseconds restart_backoff(uint32_t deaths) {
  auto ms = 50LL << std::min<uint32_t>(deaths == 0 ? 0 : deaths - 1, 8); // .. 12.8 s
  return std::chrono::milliseconds{std::min(ms, 10'000LL)};
}

} // namespace nodepulse
