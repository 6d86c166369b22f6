#include "runtime/bench/publish_bench.hpp"

#include "lib/valkey/stream_client.hpp"
#include "runtime/bench/bench_input.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

namespace nodepulse::bench {

namespace {

constexpr const char* usage =
  "usage: nodepulse-bench publish --valkey URL [--entries N | --servers S\n"
  "       --interval-ms MS --seconds T] [--run NAME] [--ids-out FILE] SCRAPE_FILE\n";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// A distinct, valid server id per simulated server.
std::string server_id(long n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012ld", n % 1'000'000'000'000);
  return buf;
}

} // namespace

int publish_bench(int argc, char** argv) {
  std::string url, ids_out, path, run = "bench";
  long entries = 0, servers = 0, interval_ms = 15'000;
  double seconds = 0;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--valkey" && has_value)
      url = argv[++i];
    else if (a == "--entries" && has_value)
      entries = std::stol(argv[++i]);
    else if (a == "--servers" && has_value)
      servers = std::stol(argv[++i]);
    else if (a == "--interval-ms" && has_value)
      interval_ms = std::stol(argv[++i]);
    else if (a == "--seconds" && has_value)
      seconds = std::stod(argv[++i]);
    else if (a == "--run" && has_value)
      run = argv[++i];
    else if (a == "--ids-out" && has_value)
      ids_out = argv[++i];
    else if (!a.empty() && a[0] != '-' && path.empty())
      path = argv[i];
    else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  bool fleet = servers > 0 && seconds > 0;
  if (url.empty() || path.empty() || (entries <= 0) == !fleet) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string error;
  auto addr = valkey::parse_url(url, error);
  if (!addr) {
    std::fprintf(stderr, "--valkey: %s\n", error.c_str());
    return 2;
  }
  std::string body;
  prom::sample_batch batch;
  prom::parse_options opts;
  if (int rc = load_exposition(path, body, batch, opts); rc != 0)
    return rc;
  // Scrapes carry no timestamps: the payload stores every sample as
  // received, so one payload serves every entry.
  valkey::stream_entry entry;
  valkey::encode_payload(batch, 0, {}, entry.payload);
  valkey::stream_settings settings;
  settings.max_backlog = 100'000'000; // measures the digest, not the backlog limit
  valkey::stream_client client{*addr, settings};
  std::ofstream ids;
  if (!ids_out.empty())
    ids.open(ids_out);

  if (fleet)
    entries = static_cast<long>(seconds * 1000.0 / static_cast<double>(interval_ms)
                                * static_cast<double>(servers));
  // Fleet: entry k is due at start + k * interval / servers.
  auto start = std::chrono::steady_clock::now();
  long failed = 0;
  for (long k = 0; k < entries; ++k) {
    if (fleet) {
      auto due = start + std::chrono::microseconds{k * interval_ms * 1000 / servers};
      std::this_thread::sleep_until(due);
    }
    long server = fleet ? k % servers : k;
    entry.batch_id = run + "-" + std::to_string(k);
    entry.server_id = server_id(server);
    entry.received_at_ms = now_ms();
    auto res = client.publish(entry);
    if (res.outcome != valkey::publish_outcome::published) {
      ++failed;
      continue;
    }
    if (ids.is_open())
      ids << entry.batch_id << '\t' << res.entry_id.substr(0, res.entry_id.find('-')) << '\n';
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("published %ld entries of %zu samples (%ld rows) in %.2f s, %ld failed\n",
              entries - failed, batch.samples.size(),
              (entries - failed) * static_cast<long>(batch.samples.size()), took, failed);
  return failed == 0 ? 0 : 1;
}

} // namespace nodepulse::bench
