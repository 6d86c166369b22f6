#include "runtime/bench/publish_bench.hpp"

#include "lib/valkey/stream_client.hpp"
#include "runtime/bench/bench_input.hpp"
#include "runtime/bench/evolving_host.hpp"
#include "runtime/bench/generated_ids.hpp"

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
  "       --interval-ms MS --seconds T | --history S --hours H --evolve SCRAPE_2\n"
  "       [--interval-ms MS] [--end-ms MS]] [--run NAME] [--ids-out FILE]\n"
  "       [--server-kind HEX4] SCRAPE_FILE\n"
  "server ids are 00000000-0000-4000-HEX4-<n>, HEX4 8000 by default; the\n"
  "simulated agents of `fleet` are 9000, so a history can be theirs\n";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// --history: S servers' scrapes over the H hours before --end-ms (default
// now), one every interval each, oldest first, every scrape of a server
// with its own values (evolving_host); each entry stamped with its scrape's
// time, so the digest stores the samples at those times.
int publish_history(const std::string& url, const std::string& path, const std::string& evolve,
                    const std::string& run, const std::string& kind, long servers, double hours,
                    long interval_ms, int64_t end_ms) {
  if (url.empty() || path.empty() || evolve.empty() || hours <= 0 || interval_ms <= 0) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string error;
  auto addr = valkey::parse_url(url, error);
  if (!addr) {
    std::fprintf(stderr, "--valkey: %s\n", error.c_str());
    return 2;
  }
  std::string body, body_2;
  prom::sample_batch batch, batch_2;
  prom::parse_options opts;
  if (int rc = load_exposition(path, body, batch, opts); rc != 0)
    return rc;
  if (int rc = load_exposition(evolve, body_2, batch_2, opts); rc != 0)
    return rc;
  std::vector<evolving_host> hosts;
  for (long s = 0; s < servers; ++s)
    hosts.emplace_back(batch, batch_2, static_cast<uint64_t>(s) + 1);
  valkey::stream_settings settings;
  settings.max_backlog = 1'000'000'000; // measures the digest, not the backlog limit
  settings.require_durable = false;     // the figures are the digest's, whatever Valkey keeps
  valkey::stream_client client{*addr, settings};
  if (end_ms == 0)
    end_ms = now_ms();
  long scrapes = static_cast<long>(hours * 3'600'000.0 / static_cast<double>(interval_ms));
  int64_t first_ms = end_ms - scrapes * interval_ms;
  valkey::stream_entry entry;
  long failed = 0, published = 0;
  auto start = std::chrono::steady_clock::now();
  for (long t = 0; t < scrapes; ++t) {
    for (long s = 0; s < servers; ++s) {
      hosts[static_cast<size_t>(s)].next(batch);
      // Each server scrapes at its own offset within the interval.
      entry.received_at_ms = first_ms + t * interval_ms + s * interval_ms / servers;
      entry.payload.clear();
      valkey::encode_payload(batch, entry.received_at_ms, {}, entry.payload);
      entry.batch_id = run + "-" + std::to_string(s) + "-" + std::to_string(t);
      entry.server_id = generated_server_id(kind.c_str(), static_cast<int>(s));
      auto res = client.publish(entry);
      if (res.outcome != valkey::publish_outcome::published)
        ++failed;
      else
        ++published;
    }
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("published %ld entries (%ld servers x %ld scrapes, %zu of %zu samples moving) of "
              "%ld samples in %.1f s, %ld failed\n",
              published, servers, scrapes, hosts.front().moving(), batch.samples.size(),
              published * static_cast<long>(batch.samples.size()), took, failed);
  return failed == 0 ? 0 : 1;
}

} // namespace

int publish_bench(int argc, char** argv) {
  std::string url, ids_out, path, run = "bench", kind = "8000";
  long entries = 0, servers = 0, interval_ms = 15'000, history = 0;
  double seconds = 0, hours = 0;
  int64_t end_ms = 0;
  std::string evolve;
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
    else if (a == "--history" && has_value)
      history = std::stol(argv[++i]);
    else if (a == "--hours" && has_value)
      hours = std::stod(argv[++i]);
    else if (a == "--evolve" && has_value)
      evolve = argv[++i];
    else if (a == "--end-ms" && has_value)
      end_ms = std::stoll(argv[++i]);
    else if (a == "--run" && has_value)
      run = argv[++i];
    else if (a == "--server-kind" && has_value)
      kind = argv[++i];
    else if (a == "--ids-out" && has_value)
      ids_out = argv[++i];
    else if (!a.empty() && a[0] != '-' && path.empty())
      path = argv[i];
    else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  if (kind.size() != 4 || kind.find_first_not_of("0123456789abcdef") != std::string::npos) {
    std::fprintf(stderr, "--server-kind: four lower-case hex digits, got '%s'\n", kind.c_str());
    return 2;
  }
  bool fleet = servers > 0 && seconds > 0;
  if (history > 0)
    return publish_history(url, path, evolve, run, kind, history, hours, interval_ms, end_ms);
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
  settings.require_durable = false;   // the figures are the digest's, whatever Valkey keeps
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
    entry.server_id = generated_server_id(kind.c_str(), static_cast<int>(server));
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
