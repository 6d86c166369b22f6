// What every node command (agent, ingest, digest, dev) does the same way:
// read `-c FILE`, refuse with a message, split "host:port", and run the
// root actor until SIGTERM / SIGINT or until it stops by itself.
#pragma once

#include <caf/actor.hpp>
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

// `nodepulse ROLE -c FILE`: the file read and checked into `cfg`; false
// (the usage or every problem printed) otherwise.
template <class Config, class Load>
bool read_config(int argc, char** argv, const char* role, Load load, std::string& path,
                 Config& cfg) {
  return config_argument(argc, argv, role, path) && load_config_reporting(path, cfg, load);
}

// "nodepulse ROLE: MESSAGE" on stderr; returns `code` (2: the command line
// or the config is wrong, 1: the node could not start).
int refuse(const char* role, const std::string& message, int code = 2);

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

// A node's whole run: blocks the termination signals (before CAF starts its
// threads), starts the actor system, lets `start` spawn the root (an
// invalid actor when it cannot, after printing why and setting the exit
// code, 1 unless it says otherwise), runs it
// until stopped and logs "ROLE: stopped". With `reload_on_hangup`, SIGHUP
// sends the root reload_atom.
int run_node(caf::actor_system_config& sys_cfg, const char* role,
             const std::function<caf::actor(caf::actor_system&, int& exit_code)>& start,
             bool reload_on_hangup = false);

} // namespace nodepulse::node
