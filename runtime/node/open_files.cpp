#include "runtime/node/open_files.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace nodepulse::node {

bool ensure_open_files(uint64_t needed, const std::string& why, uint64_t& raised_from,
                       std::string& error) {
  raised_from = 0;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    error = std::string{"cannot read the open-files limit: "} + std::strerror(errno);
    return false;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
    return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    error = why + " needs " + std::to_string(needed) + " open files, but this process may "
            + "open at most " + std::to_string(limit.rlim_max)
            + " (RLIMIT_NOFILE hard limit): raise LimitNOFILE in its systemd unit (or "
              "ulimit -Hn), or lower the connection limit";
    return false;
  }
  auto old = limit.rlim_cur;
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    error = "cannot raise the open-files limit to " + std::to_string(needed) + ": "
            + std::strerror(errno);
    return false;
  }
  raised_from = old;
  return true;
}

} // namespace nodepulse::node
