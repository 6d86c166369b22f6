// A real `nodepulse agent` for a test: its config (push URL, endpoints,
// server id, a 1 s interval) written by the helpers below, its WAL in a
// directory named by its status port, ready when /healthz answers.
#pragma once

#include "integration/support/node_process.hpp"

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace nodepulse::test {

inline const std::string agent_server_id = "0b6d2c1e-8f3a-4e5b-9c7d-1a2b3c4d5e6f";

// The agent's WAL: named by its (unique) status port, removed with it.
inline std::string wal_dir(int status_port) {
  return "/tmp/nodepulse-agent-wal-" + std::to_string(status_port);
}

inline std::string push_url(int ingest_port, const char* scheme = "http") {
  return std::string{scheme} + "://127.0.0.1:" + std::to_string(ingest_port)
         + "/metrics/prometheus";
}

// `server_extra`: more server.* keys (indented two spaces).
inline std::string agent_config(int status_port, const std::string& push_to,
                                const std::string& endpoints, const std::string& server_extra = "",
                                const std::string& server_id = agent_server_id) {
  return "scrapers:\n  prometheus:\n    endpoints:\n" + endpoints + "server:\n  endpoint: \""
         + push_to + "\"\n  timeout: 2s\n" + server_extra + "agent:\n  server_id: \"" + server_id
         + "\"\n  interval: 1s\n" + "status:\n  listen: \"127.0.0.1:" + std::to_string(status_port)
         + "\"\n" + "buffer:\n  path: \"" + wal_dir(status_port) + "\"\n";
}

// One scrapers.prometheus.endpoints item.
inline std::string endpoint(const std::string& name, const std::string& url) {
  return "      - url: \"" + url + "\"\n        name: \"" + name + "\"\n";
}

// A scrapers.discover section that probes only `ports` (port, job) every
// second; given after the endpoints, it lands under `scrapers:`.
inline std::string discover_ports(const std::vector<std::pair<int, std::string>>& ports) {
  std::string out = "  discover:\n    enabled: true\n    interval: 1s\n    well_known: false\n"
                    "    ports:\n";
  for (const auto& [port, job] : ports)
    out += "      - { port: " + std::to_string(port) + ", name: \"" + job + "\" }\n";
  return out;
}

class agent_process : public node_process {
public:
  agent_process(const std::string& push_to, const std::string& endpoints,
                const std::string& server_extra = "",
                const std::string& server_id = agent_server_id, int port = free_loopback_port())
    : node_process("agent", port, agent_config(port, push_to, endpoints, server_extra, server_id)) {
  }

  ~agent_process() {
    kill();
    std::system(("rm -rf '" + wal_dir(port()) + "'").c_str());
  }

  std::string metrics() const { return get("/metrics").body; }

  // The highest sequence its WAL acknowledged (after a stop: every scrape
  // pushed when the buffer was empty).
  uint64_t acknowledged() const {
    std::ifstream in{wal_dir(port()) + "/acked"};
    uint64_t n = 0;
    in >> n;
    return n;
  }

  // A sample of /metrics by its name with labels as written; -1 if absent.
  double metric(const std::string& series) const {
    auto text = metrics();
    auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }
};

} // namespace nodepulse::test
