// `nodepulse-bench fleet`: a fleet of simulated agents for soak tests. Each
// agent is its own server with one WAL epoch; every interval it takes a
// "scrape" (the next sequence) and pushes its scrapes oldest first under
// X-Batch-Id <server id>:<epoch>:<sequence>, one at a time, as the real
// pusher does: a scrape is retried (after Retry-After, at most
// --max-retry-ms, or a short backoff on a connection error) until a 2xx
// acknowledges it. After --seconds no new scrapes are taken; what is still
// unacknowledged is retried for up to --drain-seconds. Prints a line every
// 10 s (acknowledged, refused, connection errors, backlog, slowest ack) and
// a summary; --acked FILE gets every acknowledged batch id, one per line.
#pragma once

namespace nodepulse::bench {

int fleet_bench(int argc, char** argv);

} // namespace nodepulse::bench
