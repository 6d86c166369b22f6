#include "runtime/bench/encode_bench.hpp"

#include "lib/prom/parser.hpp"
#include "lib/valkey/stream_codec.hpp"
#include "runtime/bench/bench_input.hpp"
#include "runtime/bench/timed_runs.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace nodepulse::bench {

int encode_bench(int argc, char** argv) {
  std::string path;
  std::string payload_out;
  timing_options timing_opts{6.0};
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (take_timing_option(argc, argv, i, timing_opts))
      continue;
    if (a == "--write-payload" && i + 1 < argc)
      payload_out = argv[++i];
    else
      path = argv[i];
  }
  if (path.empty()) {
    std::fprintf(stderr, "usage: nodepulse-bench encode [--seconds S] [--runs N] "
                         "[--write-payload OUT] FILE\n"
                         "  --write-payload writes OUT.plain and OUT.zstd1\n");
    return 2;
  }
  pin_to_one_core();

  // What ingest publishes: the strictly parsed push, every sample stamped.
  constexpr int64_t received = 1700000000000;
  std::string body;
  prom::parse_options opts;
  prom::sample_batch batch;
  if (int rc = load_exposition(path, body, batch, opts))
    return rc;
  batch.fill_missing_timestamps(received);
  const double samples = static_cast<double>(batch.samples.size());

  std::printf("file:            %s (%zu bytes, %zu samples)\n", path.c_str(), body.size(),
              batch.samples.size());
  std::printf("text:            %10zu bytes  %6.1f bytes/sample\n", body.size(),
              body.size() / samples);
  for (int level : {0, 1, 3}) {
    std::string payload;
    valkey::encode_payload(batch, received, {level}, payload);
    if (level <= 1 && !payload_out.empty())
      std::ofstream(payload_out + (level == 0 ? ".plain" : ".zstd1"), std::ios::binary) << payload;
    prom::sample_batch back;
    std::string scratch;
    if (auto e = valkey::decode_payload(payload, received, back, scratch); !e.empty()) {
      std::fprintf(stderr, "decode failed: %s\n", e.c_str());
      return 1;
    }
    const int runs = timing_opts.runs;
    const double seconds = timing_opts.seconds;
    auto enc = timed_runs(runs, seconds / 6, [&] {
      std::string out;
      valkey::encode_payload(batch, received, {level}, out);
    });
    auto dec = timed_runs(runs, seconds / 6, [&] {
      if (!valkey::decode_payload(payload, received, back, scratch).empty())
        std::abort();
    });
    std::printf("payload %-7s %10zu bytes  %6.1f bytes/sample  %5.1f%% of text"
                "  encode %6.2f M samples/s  decode %6.2f M samples/s\n",
                level == 0   ? "plain:"
                : level == 1 ? "zstd-1:"
                             : "zstd-3:",
                payload.size(), payload.size() / samples, 100.0 * payload.size() / body.size(),
                enc.median() * samples / 1e6, dec.median() * samples / 1e6);
  }
  std::printf("(medians of %d runs on one core; zstd-1 is what ingest writes)\n", timing_opts.runs);
  return 0;
}

} // namespace nodepulse::bench
