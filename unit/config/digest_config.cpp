#define CAF_SUITE config.digest_config
#include <caf/test/unit_test.hpp>

#include "config/digest_config.hpp"

#include <string>
#include <vector>

using namespace nodepulse::config;

namespace {

std::vector<std::string> problems(const std::string& yaml) {
  digest_config cfg;
  std::vector<std::string> out;
  for (const auto& e : load_digest_config(yaml, cfg))
    out.push_back(e.to_string());
  return out;
}

} // namespace

CAF_TEST(an empty file gives the documented defaults) {
  digest_config cfg;
  CAF_REQUIRE(load_digest_config("", cfg).empty());
  CAF_CHECK_EQUAL(cfg.valkey.url, "redis://127.0.0.1:6379");
  CAF_CHECK_EQUAL(cfg.valkey.stream, "nodepulse:metrics:stream");
  CAF_CHECK_EQUAL(cfg.valkey.group, "digest");
  CAF_CHECK_EQUAL(cfg.postgres.dsn, "postgresql://nodepulse@127.0.0.1:5432/nodepulse");
  CAF_CHECK_EQUAL(cfg.retention.days, 7);
  CAF_CHECK_EQUAL(cfg.status.listen, "127.0.0.1:9311");
}

CAF_TEST(the shipped example config loads without a problem) {
  digest_config cfg;
  auto errors = load_digest_config_file(NODEPULSE_SOURCE_DIR "/config/digest.yml", cfg);
  for (const auto& e : errors)
    CAF_MESSAGE(e.to_string());
  CAF_CHECK(errors.empty());
}

CAF_TEST(values are read and bad ones named with key and line) {
  digest_config cfg;
  CAF_REQUIRE(load_digest_config("postgres: {dsn: \"host=db user=np\"}\n"
                                 "retention: {days: 30}\n",
                                 cfg)
                .empty());
  CAF_CHECK_EQUAL(cfg.postgres.dsn, "host=db user=np");
  CAF_CHECK_EQUAL(cfg.retention.days, 30);
  CAF_CHECK_EQUAL(problems("retention:\n  days: 0\n"),
                  std::vector<std::string>{
                    "line 2, column 9: retention.days: must be between 1 and 36500, got 0"});
  CAF_CHECK_EQUAL(
    problems("status:\n  listen: nowhere\nvalkey:\n  group: \"\"\n  grup: x\n"),
    (std::vector<std::string>{"line 2, column 11: status.listen: expected host:port, got 'nowhere'",
                              "line 4, column 10: valkey.group: must not be empty",
                              "line 5, column 3: valkey.grup: unknown key"}));
  CAF_CHECK_EQUAL(problems("postgres:\n  dsn: mysql://x\n"),
                  std::vector<std::string>{
                    "line 2, column 8: postgres.dsn: expected postgresql://user@host:port/db "
                    "or key=value pairs, got 'mysql://x'"});
}

CAF_TEST(the writer section tunes batching and the dead - letter rules) {
  digest_config cfg;
  CAF_CHECK_EQUAL(cfg.writer.connections, 2);
  CAF_CHECK_EQUAL(cfg.writer.batch_entries, 500);
  CAF_CHECK_EQUAL(cfg.writer.claim_idle_ms, 60'000);
  CAF_REQUIRE(
    load_digest_config("writer:\n  connections: 4\n  batch_entries: 50\n  max_failures: 3\n"
                       "  claim_idle: 2s\n  dead_letter_stream: dead\n",
                       cfg)
      .empty());
  CAF_CHECK_EQUAL(cfg.writer.connections, 4);
  CAF_CHECK_EQUAL(cfg.writer.batch_entries, 50);
  CAF_CHECK_EQUAL(cfg.writer.max_failures, 3);
  CAF_CHECK_EQUAL(cfg.writer.claim_idle_ms, 2'000);
  CAF_CHECK_EQUAL(cfg.writer.dead_letter_stream, "dead");
  CAF_CHECK_EQUAL(
    problems("writer:\n  claim_idle: 100ms\n"),
    std::vector<std::string>{"line 2, column 15: writer.claim_idle: must be at least 1s (a busy "
                             "digest must not lose its entries)"});
  CAF_CHECK_EQUAL(problems("writer:\n  batch_entries: 0\n"),
                  std::vector<std::string>{"line 2, column 18: writer.batch_entries: must "
                                           "be between 1 and 10000, got 0"});
}

CAF_TEST(the loss detector is on by default and its times are checked) {
  digest_config cfg;
  CAF_CHECK(cfg.loss_detector.enabled);
  CAF_CHECK_EQUAL(cfg.loss_detector.after_ms, 3'600'000);
  CAF_CHECK_EQUAL(cfg.loss_detector.every_ms, 60'000);
  CAF_REQUIRE(load_digest_config("loss_detector:\n  enabled: false\n  after: 20m\n"
                                 "  every: 5s\n",
                                 cfg)
                .empty());
  CAF_CHECK(!cfg.loss_detector.enabled);
  CAF_CHECK_EQUAL(cfg.loss_detector.after_ms, 1'200'000);
  CAF_CHECK_EQUAL(cfg.loss_detector.every_ms, 5'000);
  auto errors = problems("loss_detector:\n  after: 500ms\n");
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_NOT_EQUAL(errors[0].find("loss_detector.after: must be at least 1s"),
                      std::string::npos);
}

CAF_TEST(the storage section sets the hot period and compaction and checks them) {
  digest_config cfg;
  CAF_CHECK_EQUAL(cfg.storage.hot_period_ms, 15 * 60'000);
  CAF_CHECK_EQUAL(cfg.storage.compact_every_ms, 300'000);
  CAF_CHECK_EQUAL(cfg.storage.compact_series, 20'000);
  CAF_CHECK_EQUAL(cfg.writer.series_cache, 2'000'000);
  CAF_REQUIRE(load_digest_config("storage:\n  hot_period: 1h\n  compact_every: 30s\n"
                                 "  compact_series: 500\nwriter:\n  series_cache: 5000\n",
                                 cfg)
                .empty());
  CAF_CHECK_EQUAL(cfg.storage.hot_period_ms, 3'600'000);
  CAF_CHECK_EQUAL(cfg.storage.compact_every_ms, 30'000);
  CAF_CHECK_EQUAL(cfg.storage.compact_series, 500);
  CAF_CHECK_EQUAL(cfg.writer.series_cache, 5'000);
  CAF_CHECK_EQUAL(
    problems("storage:\n  hot_period: 10s\n"),
    std::vector<std::string>{"line 2, column 15: storage.hot_period: must be at least 1m"});
  CAF_CHECK_EQUAL(problems("storage:\n  compact_series: 10\n"),
                  std::vector<std::string>{"line 2, column 19: storage.compact_series: must be "
                                           "between 100 and 10000000, got 10"});
}

CAF_TEST(the remote read endpoint is off by default and its keys are checked) {
  digest_config cfg;
  CAF_REQUIRE(load_digest_config("", cfg).empty());
  CAF_CHECK(cfg.query.listen.empty());
  CAF_REQUIRE(load_digest_config("query:\n  listen: \"127.0.0.1:9201\"\n  max_series: 500\n"
                                 "  timeout: 5s\n  auth:\n    mode: token\n"
                                 "    tokens_file: /etc/nodepulse/readers\n",
                                 cfg)
                .empty());
  CAF_CHECK_EQUAL(cfg.query.listen, "127.0.0.1:9201");
  CAF_CHECK_EQUAL(cfg.query.max_series, 500);
  CAF_CHECK_EQUAL(cfg.query.timeout_ms, 5000);
  CAF_CHECK(cfg.query.auth.mode == auth_mode::token);
  auto errors = problems("query:\n  listen: nowhere\n  auth:\n    mode: token\n"
                         "  tls:\n    cert_file: /c.pem\n");
  CAF_REQUIRE_EQUAL(errors.size(), 3u);
  CAF_CHECK(errors[0].find("query.listen") != std::string::npos);
  CAF_CHECK(errors[1].find("query.tls.key_file") != std::string::npos);
  CAF_CHECK(errors[2].find("query.auth.tokens_file") != std::string::npos);
}
