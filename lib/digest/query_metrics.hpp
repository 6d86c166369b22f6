// The remote read endpoint's figures on the digest's GET /metrics: requests
// by outcome, what was served and how long answers took.
#pragma once

#include "lib/digest/digest_status.hpp"

#include <string>

namespace nodepulse::digest {

std::string render_query_metrics(const query_status& s);

} // namespace nodepulse::digest
