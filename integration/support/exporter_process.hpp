// A real Prometheus exporter from Debian for a test (node_exporter unless
// told otherwise): on a free loopback port, ready when /metrics answers,
// killed by PID, started again on the same port.
#pragma once

#include "integration/support/program_process.hpp"

#include <string>
#include <vector>

namespace nodepulse::test {

class exporter_process : public program_process {
public:
  static constexpr const char* node_exporter = "/usr/bin/prometheus-node-exporter";

  // `binary` with `argument` (besides --web.listen-address), if any.
  explicit exporter_process(std::string binary = node_exporter, std::string argument = "")
    : program_process(std::move(binary), "/metrics", [&argument](const std::string&, int port) {
        std::vector<std::string> args{"--web.listen-address=127.0.0.1:" + std::to_string(port)};
        if (!argument.empty())
          args.push_back(argument);
        return args;
      }) {}

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/metrics"; }
};

} // namespace nodepulse::test
