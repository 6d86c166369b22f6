// nodepulse-bench: benchmarks that print figures (docs/benchmarks.md).
#include "runtime/bench/encode_bench.hpp"
#include "runtime/bench/fleet_bench.hpp"
#include "runtime/bench/ingest_bench.hpp"
#include "runtime/bench/parse_bench.hpp"
#include "runtime/bench/publish_bench.hpp"
#include "runtime/bench/wal_bench.hpp"

#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
  constexpr const char* usage =
    "usage: nodepulse-bench <benchmark> [options]\n"
    "  parse [--seconds S] [--runs N] [--format auto|text|openmetrics] FILE\n"
    "        parser throughput on one core: samples/s, MB/s, allocs/sample\n"
    "        (median of N runs sharing S seconds; defaults 5 and 10)\n"
    "  encode [--seconds S] [--runs N] [--write-payload OUT] FILE\n"
    "        the stream entry payload of FILE as one push: bytes per sample\n"
    "        beside the text's, encode and decode speed (--write-payload\n"
    "        writes OUT.plain and OUT.zstd1)\n"
    "  ingest [--connect HOST:PORT] [--path TEMPLATE] [--clients N]\n"
    "         [--interval-ms MS] [--seconds S] [--pid PID] BODY_FILE\n"
    "        N keep-alive clients pushing BODY_FILE as distinct servers:\n"
    "        errors, samples/s, latency percentiles, the server's RSS\n"
    "  fleet [--connect HOST:PORT] [--agents N] [--interval-ms MS] [--seconds S]\n"
    "        [--drain-seconds S] [--max-retry-ms MS] [--epoch HEX16] [--acked FILE]\n"
    "        BODY_FILE\n"
    "        N simulated agents pushing BODY_FILE under agent batch ids, each\n"
    "        scrape retried until acknowledged (soak tests)\n"
    "  make-fleet [--instances N] SCRAPE_FILE\n"
    "        N copies of one scrape with distinct `instance` labels, as one\n"
    "        valid exposition on stdout (the input for `parse`)\n"
    "  publish --valkey URL [--entries N | --servers S --interval-ms MS\n"
    "          --seconds T] [--run NAME] [--ids-out FILE] SCRAPE_FILE\n"
    "        stream entries for the digest: a backlog of N scrapes, or S\n"
    "        servers pushing every MS; --ids-out writes batch id and XADD ms\n"
    "  wal [--scrapes N] [--fsync always|interval|never] SCRAPE_FILE\n"
    "        the agent's WAL: bytes per scrape, append and read speed, and\n"
    "        whether N scrapes (default 48 h at 15 s) fit 100 MB\n";
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "parse")
    return nodepulse::bench::parse_bench(argc - 2, argv + 2);
  if (cmd == "encode")
    return nodepulse::bench::encode_bench(argc - 2, argv + 2);
  if (cmd == "ingest")
    return nodepulse::bench::ingest_bench(argc - 2, argv + 2);
  if (cmd == "fleet")
    return nodepulse::bench::fleet_bench(argc - 2, argv + 2);
  if (cmd == "publish")
    return nodepulse::bench::publish_bench(argc - 2, argv + 2);
  if (cmd == "wal")
    return nodepulse::bench::wal_bench(argc - 2, argv + 2);
  if (cmd == "make-fleet")
    return nodepulse::bench::make_fleet(argc - 2, argv + 2);
  std::fputs(usage, stderr);
  return 2;
}
