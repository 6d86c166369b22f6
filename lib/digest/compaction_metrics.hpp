// The compactor's figures on the digest's GET /metrics: how much it moved
// from the hot tier into blocks, how many late samples made it rewrite a
// block, and whether it is keeping up (runs, failures, the last cutoff).
#pragma once

#include "lib/digest/digest_status.hpp"

#include <string>

namespace nodepulse::digest {

std::string render_compaction_metrics(const compaction_status& s);

} // namespace nodepulse::digest
