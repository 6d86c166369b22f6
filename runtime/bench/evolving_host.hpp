// Values that change as a real host's do, for the storage figures: from two
// real scrapes of one exporter taken one interval apart, which samples move
// and by how much. Each simulated server starts from the first scrape
// (values other than 0 and 1 scaled by its own factor) and, every scrape,
// moves each sample that moved between the two: a counter up by its delta
// times a random factor, a gauge up or down by as much; integers stay
// integers. Samples that did not move stay as they are.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <random>
#include <vector>

namespace nodepulse::bench {

class evolving_host {
public:
  // `first` and `second`: the two scrapes; samples match by name and labels.
  evolving_host(const prom::sample_batch& first, const prom::sample_batch& second, uint64_t seed);

  // This server's next scrape: its values written into `batch` (parsed
  // from the first scrape's text, same samples in the same order).
  void next(prom::sample_batch& batch);

  // How many of the scrape's samples move each time.
  size_t moving() const;

private:
  struct sample_motion {
    double delta = 0;
    bool counter = false;
    bool integral = false;
    bool non_negative = false;
  };
  std::vector<sample_motion> motion_;
  std::vector<double> values_;
  std::mt19937_64 random_;
};

} // namespace nodepulse::bench
