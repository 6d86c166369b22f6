// What every long-running node command (ingest, digest) does the same way:
// read `-c FILE`, split "host:port", and run the root actor until SIGTERM /
// SIGINT or until it stops by itself.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace nodepulse::node {

// `-c FILE` / `--config FILE` and nothing else; false (usage printed for
// `role`) otherwise.
bool config_argument(int argc, char** argv, const char* role, std::string& path);

// Loads the config file at `path` with `load` (a config::load_*_config_file);
// prints every problem as "FILE: line L, column C: key: problem" to stderr
// and returns false if there was any.
template <class Config, class Load>
bool load_config_reporting(const std::string& path, Config& cfg, Load load) {
  auto problems = load(path, cfg);
  for (const auto& p : problems)
    std::fprintf(stderr, "%s: %s\n", path.c_str(), p.to_string().c_str());
  return problems.empty();
}

// "host:port" (checked by the config loader) split at the last colon;
// "[::1]" loses its brackets.
void split_listen(const std::string& listen, std::string& host, uint16_t& port);

// Stops `root` on SIGTERM or SIGINT and waits until it is gone. Exit code 0
// when a signal stopped it, 1 (the reason printed) when it quit by itself
// with an error. SIGHUP calls `on_hangup` (a node without one logs that it
// has nothing to reload). Call block_termination_signals() before the
// actor system.
int run_until_stopped(caf::actor_system& sys, const caf::actor& root, const char* role,
                      std::function<void()> on_hangup = {});

} // namespace nodepulse::node
