#include "runtime/bench/encode_bench.hpp"

#include "runtime/bench/timed_runs.hpp"
#include "runtime/node/read_input.hpp"
#include "runtime/prom/parser.hpp"
#include "runtime/valkey/stream_codec.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace nodepulse::bench {

int encode_bench(int argc, char** argv) {
  std::string path;
  std::string payload_out;
  double seconds = 6.0;
  int runs = 5;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--write-payload" && i + 1 < argc)
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
  std::string body, err;
  if (!node::read_input(path, body, err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  pin_to_one_core();

  // What ingest publishes: the strictly parsed push, every sample stamped.
  constexpr int64_t received = 1700000000000;
  prom::parse_options opts;
  opts.format = prom::detect_format({}, body);
  prom::sample_batch batch;
  auto res = prom::parse(body, opts, batch);
  if (!res.ok) {
    std::fprintf(stderr, "%s\n", res.errors.front().to_string().c_str());
    return 1;
  }
  batch.fill_missing_timestamps(received);
  const double samples = static_cast<double>(batch.samples.size());

  std::printf("file:            %s (%zu bytes, %zu samples)\n", path.c_str(),
              body.size(), batch.samples.size());
  std::printf("text:            %10zu bytes  %6.1f bytes/sample\n", body.size(),
              body.size() / samples);
  for (int level : {0, 1, 3}) {
    std::string payload;
    valkey::encode_payload(batch, received, {level}, payload);
    if (level <= 1 && !payload_out.empty())
      std::ofstream(payload_out + (level == 0 ? ".plain" : ".zstd1"),
                    std::ios::binary)
        << payload;
    prom::sample_batch back;
    std::string scratch;
    if (auto e = valkey::decode_payload(payload, received, back, scratch);
        !e.empty()) {
      std::fprintf(stderr, "decode failed: %s\n", e.c_str());
      return 1;
    }
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
                level == 0 ? "plain:" : level == 1 ? "zstd-1:" : "zstd-3:",
                payload.size(), payload.size() / samples,
                100.0 * payload.size() / body.size(),
                enc.median() * samples / 1e6, dec.median() * samples / 1e6);
  }
  std::printf("(medians of %d runs on one core; zstd-1 is what ingest writes)\n",
              runs);
  return 0;
}

} // namespace nodepulse::bench
