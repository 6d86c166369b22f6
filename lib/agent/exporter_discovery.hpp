// Exporters the agent looks for on this host's loopback when
// scrapers.discover is on: the well-known ports of the exporters Node Pulse
// deploys, and how a probe's answer is judged. Only 127.0.0.1 is ever
// probed: discovery is not a port scanner.
#pragma once

#include "lib/agent/scrape_text.hpp"

#include <cstdint>
#include <string>

namespace nodepulse::agent {

struct known_exporter {
  uint16_t port;
  const char* job;      // the scrape's job name
  const char* rule_set; // the built-in rule set it is filtered by, "" for none
};

// The ports the Prometheus exporters register upstream
// (github.com/prometheus/prometheus/wiki/Default-port-allocations).
inline constexpr known_exporter well_known_exporters[] = {
  {9100, "node_exporter", "node_exporter"},
  {9187, "postgres_exporter", ""},
  {9121, "redis_exporter", ""},
  {9115, "blackbox_exporter", ""},
  {9256, "process_exporter", ""},
};

// The URL probed and scraped for `port` and `path` on loopback.
inline std::string loopback_url(int64_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + (path.empty() ? "/metrics" : path);
}

// "" when `answer` is an exporter's (HTTP 200 with at least one sample of
// Prometheus text or OpenMetrics), else why it is not.
std::string not_an_exporter(const exporter_answer& answer);

} // namespace nodepulse::agent
