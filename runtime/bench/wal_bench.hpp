// `nodepulse-bench wal`: the agent's WAL with real scrapes: bytes on disk
// per scrape beside the text's, append and read-back speed, and whether a
// 48-hour outage at 15 s (11,520 scrapes) fits the default 100 MB cap.
#pragma once

namespace nodepulse::bench {

int wal_bench(int argc, char** argv);

} // namespace nodepulse::bench
