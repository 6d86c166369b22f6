// X-Agent-Dropped: what an agent dropped itself, sent with every push so
// the digest's loss detector can tell the agent's own drops from batches
// lost after the agent let them go.
//
//   X-Agent-Dropped: through=1200,retention=0,size=37,torn=0,corrupt=0,refused=1
//
// `through` is the highest sequence of the current WAL epoch that the
// buffer's caps (retention, size) dropped: drops go oldest first, so every
// unacknowledged sequence up to it is gone. It lasts as long as the epoch.
// The counters are since the agent started: retention and size the caps'
// drops, torn and corrupt the records recovery cut (which start a new
// epoch), refused the batches the ingest refused for good (4xx).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nodepulse::http {

struct agent_drops {
  uint64_t through = 0;
  uint64_t retention = 0;
  uint64_t size = 0;
  uint64_t torn = 0;
  uint64_t corrupt = 0;
  uint64_t refused = 0;
};

// "through=N,retention=N,size=N,torn=N,corrupt=N,refused=N".
std::string format_agent_drops(const agent_drops& d);

// Comma-separated name=number pairs, spaces around them allowed; names not
// listed above are skipped (a newer agent may send more). False and `error`
// naming what and where for anything else.
bool parse_agent_drops(std::string_view text, agent_drops& out, std::string& error);

} // namespace nodepulse::http
