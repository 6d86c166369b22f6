// Server ids of the benches' simulated servers.
#pragma once

#include <cstdio>
#include <string>

namespace nodepulse::bench {

// "00000000-0000-4000-<kind>-<index, 12 digits>": the server id of a
// generated server, distinct per generator kind ("8000" ingest and
// publish, "9000" fleet).
inline std::string generated_server_id(const char* kind, int index) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-%.4s-%012d", kind, index);
  return buf;
}

} // namespace nodepulse::bench
