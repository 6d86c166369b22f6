// `nodepulse-bench ingest`: a load generator for ingest (or anything that
// takes Prometheus text over HTTP): N concurrent keep-alive clients, each
// pushing the same real body as its own server, on an interval or back to
// back; prints requests, errors, samples/s, latency percentiles and the
// server's RSS.
#pragma once

namespace nodepulse::bench {

int ingest_bench(int argc, char** argv);

} // namespace nodepulse::bench
