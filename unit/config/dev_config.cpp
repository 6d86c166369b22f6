#define CAF_SUITE config.dev_config
#include <caf/test/unit_test.hpp>

#include "config/dev_config.hpp"

#include <string>
#include <vector>

using namespace nodepulse::config;

namespace {

std::vector<std::string> problems(const std::string& yaml) {
  dev_config cfg;
  std::vector<std::string> out;
  for (const auto& e : load_dev_config(yaml, cfg))
    out.push_back(e.to_string());
  return out;
}

} // namespace

CAF_TEST(the shipped dev config loads each role from its section) {
  dev_config cfg;
  auto errors = load_dev_config_file(NODEPULSE_SOURCE_DIR "/config/dev.yml", cfg);
  for (const auto& e : errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(errors.empty());
  CAF_CHECK_EQUAL(cfg.agent.agent.interval_ms, 5'000);
  CAF_CHECK_EQUAL(cfg.agent.buffer.path, ".dev/wal");
  CAF_CHECK_EQUAL(cfg.agent.prometheus.endpoints.at(0).name, "node_exporter");
  CAF_CHECK_EQUAL(cfg.ingest.listen, "127.0.0.1:8080");
  CAF_CHECK_EQUAL(cfg.digest.status.listen, "127.0.0.1:9311");
  CAF_CHECK_EQUAL(cfg.digest.valkey.url, cfg.ingest.valkey.url);
}

CAF_TEST(errors name the role section with key and line) {
  CAF_CHECK_EQUAL(problems("agent:\n  buffer:\n    fsync: sometimes\n"
                           "ingest:\n  lisen: x\n"
                           "digest:\n  writer:\n    connections: 0\n"
                           "extra: 1\n"),
                  (std::vector<std::string>{
                    "line 3, column 12: agent.buffer.fsync: expected one of always, interval, "
                    "never, got 'sometimes'",
                    "line 5, column 3: ingest.lisen: unknown key",
                    "line 8, column 18: digest.writer.connections: must be between 1 and 64, "
                    "got 0",
                    "line 9, column 1: extra: unknown key"}));
  CAF_CHECK_EQUAL(problems("agent:\n  scrapers:\n    prometheus:\n      endpoints: []\n"),
                  std::vector<std::string>{"agent.scrapers.prometheus.endpoints: no endpoint "
                                           "to scrape (list one, set enabled: false, or turn "
                                           "on scrapers.discover)"});
}
