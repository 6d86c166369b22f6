// The loss detector's figures on the digest's GET /metrics: what an
// operator alerts on when pushes never reached PostgreSQL, told apart from
// what the agents' own WAL caps dropped.
#pragma once

#include "lib/digest/digest_status.hpp"

#include <string>

namespace nodepulse::digest {

std::string render_loss_metrics(const loss_status& s);

} // namespace nodepulse::digest
