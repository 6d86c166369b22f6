// `nodepulse compact -c digest.yml [--before TIME]`: compacts every hot
// sample older than TIME (default: now minus storage.hot_period) into the
// cold tier, as the digest's timer does, and exits. Waits for a compaction
// another digest is running; says how far it is (steps, samples, rate,
// time left) every few seconds.
#pragma once

namespace nodepulse::node {

// Exit codes: 0 compacted (or nothing to do), 1 PostgreSQL failed (what is
// not compacted stays hot), 2 usage or config error.
int compact_command(int argc, char** argv);

} // namespace nodepulse::node
