#include "runtime/node/node_runner.hpp"

#include "actors/error_text.hpp"
#include "actors/interfaces.hpp"
#include "runtime/node/signals.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace nodepulse::node {

bool config_argument(int argc, char** argv, const char* role, std::string& path) {
  for (int i = 0; i < argc; ++i) {
    if ((std::strcmp(argv[i], "-c") == 0 || std::strcmp(argv[i], "--config") == 0)
        && i + 1 < argc) {
      path = argv[++i];
    } else {
      std::fprintf(stderr, "nodepulse %s: unexpected argument '%s'\n", role, argv[i]);
      path.clear();
      break;
    }
  }
  if (path.empty())
    std::fprintf(stderr, "usage: nodepulse %s -c FILE\n", role);
  return !path.empty();
}

int refuse(const char* role, const std::string& message, int code) {
  std::fprintf(stderr, "nodepulse %s: %s\n", role, message.c_str());
  return code;
}

void split_listen(const std::string& listen, std::string& host, uint16_t& port) {
  auto colon = listen.rfind(':');
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
}

int run_until_stopped(caf::actor_system& sys, const caf::actor& root, const char* role,
                      std::function<void()> on_hangup) {
  int exit_code = 0;
  signal_waiter signals{[root, role, on_hangup](int sig) {
    if (sig == SIGHUP) {
      if (on_hangup)
        return on_hangup();
      spdlog::info("{}: SIGHUP received; nothing to reload (restart to apply a new config)", role);
      return;
    }
    spdlog::info("{}: signal {} received, stopping", role, sig);
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  }};
  caf::scoped_actor waiter{sys};
  waiter->monitor(root);
  waiter->receive([&](caf::down_msg& msg) {
    if (msg.reason && msg.reason != caf::exit_reason::user_shutdown) {
      auto why = error_text(sys, msg.reason); // "cannot listen on ..."
      std::fprintf(stderr, "nodepulse %s: %s\n", role, why.c_str());
      exit_code = 1;
    }
  });
  return exit_code;
}

int run_node(caf::actor_system_config& sys_cfg, const char* role,
             const std::function<caf::actor(caf::actor_system&, int& exit_code)>& start,
             bool reload_on_hangup) {
  block_termination_signals(); // before CAF starts its threads
  caf::actor_system sys{sys_cfg};
  int refused = 1;
  auto root = start(sys, refused);
  if (!root)
    return refused;
  std::function<void()> on_hangup;
  if (reload_on_hangup)
    on_hangup = [root, role] {
      spdlog::info("{}: SIGHUP received, reloading the config", role);
      caf::anon_send(root, reload_atom::value);
    };
  int exit_code = run_until_stopped(sys, root, role, on_hangup);
  spdlog::info("{}: stopped", role);
  return exit_code;
}

} // namespace nodepulse::node
