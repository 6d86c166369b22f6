// Counts heap allocations made through global operator new, so benchmarks can
// report allocations per sample. Linked only into nodepulse-bench.
#pragma once

#include <cstdint>

namespace nodepulse::bench {

uint64_t allocation_count();

} // namespace nodepulse::bench
