// A node that may hold N connections needs N file descriptors and then
// some: the soft RLIMIT_NOFILE (often 1,024) is raised to what it needs, up
// to the hard limit, at start. Past the hard limit the node refuses to
// start, naming both figures: accepting would otherwise fail with EMFILE
// long before its connection limit.
#pragma once

#include <cstdint>
#include <string>

namespace nodepulse::node {

// Descriptors a node needs besides its clients' connections: Valkey,
// PostgreSQL, log files, CAF, the status listener.
inline constexpr uint64_t spare_file_descriptors = 256;

// Raises the soft limit to `needed` if it is lower. False and `error` when
// the hard limit is lower, or the raise fails; `raised_from` set to the
// old soft limit when it was raised (0 otherwise).
bool ensure_open_files(uint64_t needed, const std::string& why, uint64_t& raised_from,
                       std::string& error);

} // namespace nodepulse::node
