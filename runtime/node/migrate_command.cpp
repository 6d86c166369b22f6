#include "runtime/node/migrate_command.hpp"

#include "config/digest_config.hpp"
#include "lib/pg/migrations.hpp"
#include "runtime/node/node_runner.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace nodepulse::node {

namespace {

constexpr const char* usage = "usage: nodepulse migrate -c digest.yml [--dsn DSN]\n";

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
  return 0;
}

} // namespace nodepulse::node
