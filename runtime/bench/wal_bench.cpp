#include "runtime/bench/wal_bench.hpp"

#include "lib/agent/scrape_text.hpp"
#include "lib/base/read_input.hpp"
#include "lib/wal/wal.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::bench {

int wal_bench(int argc, char** argv) {
  std::string path, fsync = "always", keep;
  long scrapes = 11'520; // 48 hours at 15 s
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--scrapes" && i + 1 < argc)
      scrapes = std::stol(argv[++i]);
    else if (a == "--fsync" && i + 1 < argc)
      fsync = argv[++i];
    else if (a == "--keep" && i + 1 < argc)
      keep = argv[++i];
    else if (!a.empty() && a[0] != '-' && path.empty())
      path = argv[i];
    else {
      std::fputs("usage: nodepulse-bench wal [--scrapes N] [--fsync always|interval|never] "
                 "[--keep DIR] SCRAPE_FILE\n"
                 "  --keep DIR: write the WAL into DIR and keep it, the last scrape stamped\n"
                 "  now (an agent's backlog to replay)\n",
                 stderr);
      return 2;
    }
  }
  std::string text, error;
  if (path.empty() || !node::read_input(path, text, error)) {
    std::fprintf(stderr, "cannot read the scrape: %s\n", error.c_str());
    return 2;
  }
  char temp[] = "/tmp/nodepulse-wal-bench-XXXXXX";
  if (keep.empty() && ::mkdtemp(temp) == nullptr)
    return 2;
  std::string dir = keep.empty() ? std::string{temp} : keep;
  wal::options opts;
  opts.dir = dir;
  opts.retention_ms = INT64_MAX / 2;
  opts.max_bytes = 100ull << 20; // the default buffer.max_size_mb
  opts.fsync = fsync == "never"      ? wal::fsync_policy::never
               : fsync == "interval" ? wal::fsync_policy::interval
                                     : wal::fsync_policy::always;
  auto log = wal::write_ahead_log::open(opts, error);
  if (!log) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  // Scrape i: the real scrape with every other sample's value moved on by
  // i steps of its own size (counters, gauges), the rest as they were
  // (info metrics, sizes): names, labels and HELP stay, as they do.
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(std::string_view{text}.substr(at, end - at));
    at = end;
  }
  auto scrape_number = [&](long i) {
    std::string out;
    out.reserve(text.size() + 1024);
    for (size_t n = 0; n < lines.size(); ++n) {
      auto line = lines[n];
      auto space = line.rfind(' ');
      if (line.empty() || line[0] == '#' || n % 2 == 1 || space == std::string_view::npos) {
        out += line;
        continue;
      }
      double value = std::strtod(std::string{line.substr(space + 1)}.c_str(), nullptr);
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g\n",
                    value + static_cast<double>(i * (n % 97 + 1)) * 0.37);
      out.append(line.substr(0, space + 1));
      out += buf;
    }
    return out;
  };
  // What the agent keeps: the scrape stamped with its time, plus up and
  // scrape_* (lib/agent/scrape_text.hpp), every 15 s up to now.
  const int64_t first_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count()
                           - (scrapes - 1) * 15'000;
  size_t kept_text = 0;
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < scrapes; ++i) {
    auto raw = scrape_number(i);
    auto scrape =
      agent::make_scrape_text({200, raw, "", ""}, "node_exporter", first_ms + i * 15'000, 0.01)
        .text;
    kept_text += scrape.size();
    if (log->append(first_ms + i * 15'000, scrape, error) == 0) {
      std::fprintf(stderr, "append %ld: %s\n", i, error.c_str());
      return 1;
    }
  }
  double append_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto f = log->figures();
  start = std::chrono::steady_clock::now();
  size_t read = 0;
  for (uint64_t after = 0;;) {
    auto batch = log->read(after, 256);
    if (batch.empty())
      break;
    read += batch.size();
    after = batch.back().sequence;
  }
  double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double per_scrape = static_cast<double>(f.bytes) / static_cast<double>(f.records);
  std::printf("scrape: %zu bytes of text as exposed; %.0f as kept (timestamps, up, scrape_*)\n",
              text.size(), static_cast<double>(kept_text) / static_cast<double>(scrapes));
  std::printf("wal: %ld scrapes appended (fsync %s) in %.2f s = %.0f us each; %.0f bytes on "
              "disk per scrape (%.1f %% of the text)\n",
              scrapes, fsync.c_str(), append_s, append_s * 1e6 / static_cast<double>(scrapes),
              per_scrape, 100.0 * per_scrape / static_cast<double>(text.size()));
  std::printf("wal: %zu read back in %.2f s = %.0f scrapes/s; %llu dropped for the 100 MiB "
              "cap; %.1f MiB on disk\n",
              read, read_s, static_cast<double>(read) / read_s,
              static_cast<unsigned long long>(f.dropped_size),
              static_cast<double>(f.bytes) / 1048576.0);
  log.reset();
  if (keep.empty())
    std::filesystem::remove_all(dir);
  return 0;
}

} // namespace nodepulse::bench
