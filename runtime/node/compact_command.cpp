#include "runtime/node/compact_command.hpp"

#include "config/digest_config.hpp"
#include "lib/base/utc_time.hpp"
#include "lib/base/wall_clock.hpp"
#include "lib/digest/compaction_run.hpp"
#include "lib/pg/compaction_store.hpp"
#include "runtime/node/node_runner.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

constexpr const char* usage = "usage: nodepulse compact -c digest.yml [--before TIME]\n"
                              "  TIME: UTC, e.g. 2026-11-27T22:00:00Z (default: now minus "
                              "storage.hot_period)\n";

// Steps `run` to its end, saying how far it is every few seconds.
int compact_steps(digest::compaction_run& run, int64_t before) {
  const auto& p = run.progress();
  std::printf("compacting hot samples older than %s: %zu block periods, %zu steps\n",
              utc_text(before).c_str(), p.periods_total, p.steps_total);
  std::fflush(stdout);
  auto last_report = std::chrono::steady_clock::now();
  while (!run.done()) {
    digest::db_error error;
    if (!run.step(error)) {
      std::fprintf(stderr,
                   "nodepulse compact: PostgreSQL: %s\n(%s done; the rest stays in the hot "
                   "tier for the next run)\n",
                   error.message.c_str(), p.describe().c_str());
      return 1;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds{5} && !run.done()) {
      last_report = now;
      std::printf("  %s\n", p.describe().c_str());
      std::fflush(stdout);
    }
  }
  std::printf("compacted %lld samples into %lld blocks (%lld rewritten with late samples), "
              "%lld hot partitions dropped, in %.1f s\n",
              static_cast<long long>(p.moved), static_cast<long long>(p.blocks),
              static_cast<long long>(p.merged), static_cast<long long>(p.partitions_dropped),
              p.elapsed_seconds);
  return 0;
}

} // namespace

int compact_command(int argc, char** argv) {
  std::string path, before_text;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc) {
      path = argv[++i];
    } else if (a == "--before" && i + 1 < argc) {
      before_text = argv[++i];
    } else {
      std::fprintf(stderr, "nodepulse compact: unexpected argument '%s'\n%s", argv[i], usage);
      return 2;
    }
  }
  if (path.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  config::digest_config cfg;
  if (!load_config_reporting(path, cfg, config::load_digest_config_file))
    return 2;
  int64_t before = wall_clock_ms() - cfg.storage.hot_period_ms;
  if (!before_text.empty()) {
    std::string error;
    if (!parse_utc(before_text, before, error)) {
      std::fprintf(stderr, "nodepulse compact: --before: %s\n", error.c_str());
      return 2;
    }
  }
  pg::compaction_store store{cfg.postgres.dsn};
  digest::compaction_run run{store, before, cfg.storage.compact_series};
  digest::db_error error;
  if (!run.start(false, error)) {
    std::fprintf(stderr, "nodepulse compact: PostgreSQL: %s\n", error.message.c_str());
    return 1;
  }
  if (run.busy()) {
    std::printf("another compaction is running (a digest's timer); waiting for it\n");
    std::fflush(stdout);
    digest::compaction_run after{store, before, cfg.storage.compact_series};
    if (!after.start(true, error)) {
      std::fprintf(stderr, "nodepulse compact: PostgreSQL: %s\n", error.message.c_str());
      return 1;
    }
    return compact_steps(after, before);
  }
  return compact_steps(run, before);
}

} // namespace nodepulse::node
