#include "runtime/bench/timed_runs.hpp"

#include <sched.h>

namespace nodepulse::bench {

void pin_to_one_core() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) {
      CPU_ZERO(&set);
      CPU_SET(c, &set);
      sched_setaffinity(0, sizeof set, &set);
      return;
    }
  }
}

} // namespace nodepulse::bench
