#include "runtime/node/migrate_command.hpp"

#include "config/digest_config.hpp"
#include "lib/pg/legacy_move.hpp"
#include "lib/pg/migrations.hpp"
#include "runtime/node/node_runner.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

constexpr const char* usage = "usage: nodepulse migrate -c digest.yml [--dsn DSN]\n";

// Rows of the old samples table moved per transaction: a few seconds each.
constexpr int legacy_batch_rows = 100'000;

} // namespace

int migrate_command(int argc, char** argv) {
  std::string path, dsn;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc) {
      path = argv[++i];
    } else if (a == "--dsn" && i + 1 < argc) {
      dsn = argv[++i];
    } else {
      std::fprintf(stderr, "nodepulse migrate: unexpected argument '%s'\n%s", argv[i], usage);
      return 2;
    }
  }
  if (path.empty() && dsn.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  if (!path.empty()) {
    config::digest_config cfg;
    if (!load_config_reporting(path, cfg, config::load_digest_config_file))
      return 2;
    if (dsn.empty())
      dsn = cfg.postgres.dsn;
  }
  const auto& all = pg::bundled_migrations();
  auto res = pg::apply_migrations(dsn, all);
  for (const auto& file : res.applied)
    std::printf("applied %s\n", file.c_str());
  if (!res.error.empty()) {
    std::fprintf(stderr, "nodepulse migrate: %s\n", res.error.c_str());
    return 1;
  }
  std::printf("schema up to date: %zu migrations (%zu applied now)\n", all.size(),
              res.applied.size());
  // Rows of the plan's one-row-per-sample table, if any, into the tiers.
  auto last_report = std::chrono::steady_clock::now();
  bool announced = false;
  pg::legacy_move_progress moved;
  std::string error;
  auto report = [&](const pg::legacy_move_progress& p) {
    if (!announced) {
      std::printf("moving the rows of the old admiral.metric_samples table into the series "
                  "catalogue and the hot tier, %d per transaction:\n",
                  legacy_batch_rows);
      announced = true;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds{5}) {
      last_report = now;
      std::printf("  %s\n", p.describe().c_str());
      std::fflush(stdout);
    }
  };
  if (!pg::move_legacy_samples(dsn, legacy_batch_rows, report, moved, error)) {
    std::fprintf(stderr,
                 "nodepulse migrate: moving the old table's rows: %s\n(%s moved; run it again "
                 "to go on from there)\n",
                 error.c_str(), moved.describe().c_str());
    return 1;
  }
  if (moved.moved > 0)
    std::printf("moved %s in %.1f s; the old table is dropped. The digest's compaction makes "
                "blocks of them (or: nodepulse compact -c digest.yml)\n",
                moved.describe().c_str(), moved.elapsed_seconds);
  return 0;
}

} // namespace nodepulse::node
