// `nodepulse-bench publish`: stream entries for the digest, as ingest
// writes them (the same publisher, the same encoding), from one real
// scrape: each entry is that scrape pushed by its own server. Either a
// backlog published at once (--entries N), or a fleet of S servers each
// pushing every interval (--servers S --interval-ms MS --seconds T). With
// --ids-out it writes "batch_id<TAB>XADD ms" per entry, to measure the
// digest's lag against the time each batch was committed.
#pragma once

namespace nodepulse::bench {

int publish_bench(int argc, char** argv);

} // namespace nodepulse::bench
