// nodepulse: one binary, one subcommand per role (docs/architecture.md).
#include "runtime/node/agent_command.hpp"
#include "runtime/node/caf_push_route.hpp"
#include "runtime/node/check_config_command.hpp"
#include "runtime/node/compact_command.hpp"
#include "runtime/node/dev_command.hpp"
#include "runtime/node/digest_command.hpp"
#include "runtime/node/ingest_command.hpp"
#include "runtime/node/migrate_command.hpp"
#include "runtime/node/parse_command.hpp"
#include "runtime/node/scrape_command.hpp"
#include "runtime/node/status_command.hpp"
#include "runtime/node/token_command.hpp"

#include <climits>
#include <cstdio>
#include <string>
#include <string_view>

#include <unistd.h>

#ifndef NODEPULSE_VERSION
#define NODEPULSE_VERSION "0.0.0"
#endif

namespace {

constexpr const char* usage =
  "usage: nodepulse <command> [options]\n"
  "commands:\n"
  "  parse [--format auto|text|openmetrics] [--jsonl] [--lenient] FILE|-\n"
  "                 validate Prometheus exposition text\n"
  "  agent -c FILE   run the agent (scrape -> WAL -> push)\n"
  "  scrape -c FILE [--endpoint NAME] [--print]\n"
  "                 scrape an agent config's endpoints once and show what its\n"
  "                 rules keep (samples, bytes); --print: the kept text\n"
  "  status [-c FILE | --url URL]\n"
  "                 summarise a running agent from its status endpoint\n"
  "  ingest -c FILE  run an ingest node (HTTP push -> Valkey stream)\n"
  "  digest -c FILE  run a digest node (Valkey stream -> PostgreSQL)\n"
  "  dev -c FILE     agent, ingest and digest in one process (config/dev.yml)\n"
  "  migrate -c digest.yml [--dsn DSN]\n"
  "                 apply the schema migrations (sql/) to PostgreSQL\n"
  "  compact -c digest.yml [--before TIME]\n"
  "                 compact hot samples older than TIME into blocks\n"
  "  token add|revoke|list ...\n"
  "                 agents' tokens in admiral.agent_tokens or a tokens file\n"
  "                 (nodepulse token for the options)\n"
  "  check-config [--role ROLE] -c FILE\n"
  "                 check a config: ROLE agent, ingest, digest or dev\n"
  "                 (default: from the file name, e.g. ingest.yml)\n"
  "  version        print the version\n";

// `nodepulse agent ...` becomes `nodepulse-agent ...` from the same
// directory: the same code without the server roles' libraries and CAF's
// middleman (a smaller agent on every server). Without one there, the
// agent runs in this process.
void run_lean_agent(char** argv) {
  char self[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return;
  self[n] = '\0';
  std::string lean{self};
  lean = lean.substr(0, lean.rfind('/') + 1) + "nodepulse-agent";
  if (::access(lean.c_str(), X_OK) != 0)
    return;
  argv[1] = const_cast<char*>(lean.c_str());
  ::execv(lean.c_str(), argv + 1);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "parse")
    return nodepulse::node::parse_command(argc - 2, argv + 2);
  if (cmd == "agent") {
    // The lean binary has no CAF middleman: a caf-transport agent runs here.
    if (!nodepulse::node::agent_config_uses_caf(argc - 2, argv + 2))
      run_lean_agent(argv); // returns only when there is no nodepulse-agent beside us
    static const nodepulse::node::agent_remoting remoting{&nodepulse::node::enable_remoting,
                                                          &nodepulse::node::check_remoting_tls,
                                                          &nodepulse::node::caf_push_route};
    return nodepulse::node::agent_command(argc - 2, argv + 2, &remoting);
  }
  if (cmd == "status")
    return nodepulse::node::status_command(argc - 2, argv + 2);
  if (cmd == "dev")
    return nodepulse::node::dev_command(argc - 2, argv + 2);
  if (cmd == "ingest")
    return nodepulse::node::ingest_command(argc - 2, argv + 2);
  if (cmd == "digest")
    return nodepulse::node::digest_command(argc - 2, argv + 2);
  if (cmd == "migrate")
    return nodepulse::node::migrate_command(argc - 2, argv + 2);
  if (cmd == "compact")
    return nodepulse::node::compact_command(argc - 2, argv + 2);
  if (cmd == "token")
    return nodepulse::node::token_command(argc - 2, argv + 2);
  if (cmd == "scrape")
    return nodepulse::node::scrape_command(argc - 2, argv + 2);
  if (cmd == "check-config")
    return nodepulse::node::check_config_command(argc - 2, argv + 2);
  if (cmd == "version" || cmd == "--version") {
    std::printf("nodepulse %s\n", NODEPULSE_VERSION);
    return 0;
  }
  if (cmd == "help" || cmd == "-h" || cmd == "--help") {
    std::fputs(usage, stdout);
    return 0;
  }
  std::fprintf(stderr, "nodepulse: unknown command '%s'\n%s", argv[1], usage);
  return 2;
}
