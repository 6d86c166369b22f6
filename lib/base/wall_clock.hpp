// Milliseconds since the epoch from the system clock, or from `injected`
// when a test set one (actors take it in their settings, so that their
// decisions about wall-clock time can be tested on the deterministic
// scheduler).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace nodepulse {

inline int64_t wall_clock_ms(const std::function<int64_t()>& injected = {}) {
  if (injected)
    return injected();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace nodepulse
