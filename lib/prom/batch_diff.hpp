// Compares two parsed batches the way a round trip must preserve them: the
// same families in the same order (name, type, help), each with the same
// samples in the same order: names, labels, timestamps and bit-identical
// values (any NaN equals any NaN). Order across families is not compared:
// text format lets a family's samples be split by another family, and
// writing them back groups them, as the format asks.
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <string>

namespace nodepulse::prom {

// The first difference, as "family x_sum, sample 3: value", or "" when none.
std::string first_difference(const sample_batch& a, const sample_batch& b);

} // namespace nodepulse::prom
