// How nodepulse-bench times things: a function called in a loop, in several
// runs that share the time; the median run is the figure (this machine is a
// VM whose speed drifts from run to run), min and max show the spread.
#pragma once

#include "runtime/bench/alloc_counter.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace nodepulse::bench {

struct timed_result {
  std::vector<double> calls_per_second; // one per run, sorted
  uint64_t calls = 0;                   // over all runs
  uint64_t allocations = 0;             // over all runs

  double median() const { return calls_per_second[calls_per_second.size() / 2]; }
  double min() const { return calls_per_second.front(); }
  double max() const { return calls_per_second.back(); }
};

template <class F>
timed_result timed_runs(int runs, double seconds, F&& fn) {
  using clock = std::chrono::steady_clock;
  timed_result res;
  for (int run = 0; run < runs; ++run) {
    uint64_t calls = 0;
    uint64_t allocs_before = allocation_count();
    auto start = clock::now();
    auto deadline = start + std::chrono::duration<double>(seconds / runs);
    clock::time_point now;
    do {
      for (int k = 0; k < 8; ++k)
        fn();
      calls += 8;
      now = clock::now();
    } while (now < deadline);
    res.allocations += allocation_count() - allocs_before;
    res.calls += calls;
    double elapsed = std::chrono::duration<double>(now - start).count();
    res.calls_per_second.push_back(static_cast<double>(calls) / elapsed);
  }
  std::sort(res.calls_per_second.begin(), res.calls_per_second.end());
  return res;
}

// Keeps this process on one CPU, so figures are per core.
void pin_to_one_core();

} // namespace nodepulse::bench
