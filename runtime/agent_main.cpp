// nodepulse-agent: the agent role alone (`nodepulse agent` runs it when it
// stands next to it). The same code as `nodepulse agent`, linked without the
// PostgreSQL and Valkey client libraries the server roles need, because
// every one of a fleet's servers pays for each library an agent loads.
#include "runtime/node/agent_command.hpp"
#include "runtime/node/scrape_command.hpp"
#include "runtime/node/status_command.hpp"

#include <cstdio>
#include <cstring>

#ifndef NODEPULSE_VERSION
#define NODEPULSE_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "status") == 0)
    return nodepulse::node::status_command(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "scrape") == 0)
    return nodepulse::node::scrape_command(argc - 2, argv + 2);
  if (argc >= 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("nodepulse-agent %s\n", NODEPULSE_VERSION);
    return 0;
  }
  return nodepulse::node::agent_command(argc - 1, argv + 1);
}
