#define CAF_SUITE config.ingest_config
#include <caf/test/unit_test.hpp>

#include "config/ingest_config.hpp"

#include <string>
#include <vector>

using namespace nodepulse::config;

namespace {

std::vector<std::string> problems(const std::string& yaml) {
  ingest_config cfg;
  std::vector<std::string> out;
  for (const auto& e : load_ingest_config(yaml, cfg))
    out.push_back(e.to_string());
  return out;
}

std::string only_problem(const std::string& yaml) {
  auto p = problems(yaml);
  if (p.size() != 1)
    return std::to_string(p.size()) + " problems";
  return p.front();
}

} // namespace

CAF_TEST(an empty file gives the documented defaults) {
  ingest_config cfg;
  CAF_REQUIRE(load_ingest_config("", cfg).empty());
  CAF_CHECK_EQUAL(cfg.listen, "127.0.0.1:8080");
  CAF_CHECK(cfg.auth.mode == auth_mode::none);
  CAF_CHECK_EQUAL(cfg.valkey.url, "redis://127.0.0.1:6379");
  CAF_CHECK_EQUAL(cfg.valkey.stream, "nodepulse:metrics:stream");
  CAF_CHECK_EQUAL(cfg.valkey.max_backlog, 50000);
  CAF_CHECK(!cfg.valkey.allow_data_loss); // pushes only to a durable Valkey
  CAF_CHECK_EQUAL(cfg.limits.max_body_bytes, 10485760);
  CAF_CHECK_EQUAL(cfg.limits.max_inflated_bytes, 67108864);
  CAF_CHECK_EQUAL(cfg.limits.max_samples_per_push, 200000);
  CAF_CHECK_EQUAL(cfg.limits.max_future_skew_ms, 600000);
  CAF_CHECK_EQUAL(cfg.parser.workers, 0);
  CAF_CHECK(cfg.caf.listen.empty());
  CAF_CHECK_EQUAL(cfg.limits.max_connections, 4096);
  CAF_CHECK_EQUAL(cfg.limits.read_timeout_ms, 30000);
  CAF_CHECK_EQUAL(cfg.limits.idle_timeout_ms, 60000);
  CAF_CHECK_EQUAL(cfg.http.threads, 1);
}

CAF_TEST(the shipped example config loads without a problem) {
  ingest_config cfg;
  auto errors = load_ingest_config_file(NODEPULSE_SOURCE_DIR "/config/ingest.yml", cfg);
  for (const auto& e : errors)
    CAF_MESSAGE(e.to_string());
  CAF_CHECK(errors.empty());
  CAF_CHECK_EQUAL(cfg.auth.cache_ttl_ms, 60000);
}

CAF_TEST(values are read with their units) {
  ingest_config cfg;
  CAF_REQUIRE(load_ingest_config("listen: \"0.0.0.0:9000\"\n"
                                 "auth: {mode: token, tokens_file: /etc/t, cache_ttl: 500ms}\n"
                                 "limits: {max_future_skew: 2h, read_timeout: 5s,"
                                 " idle_timeout: 2m, max_connections: 100}\n"
                                 "http: {threads: 2}\n"
                                 "parser: {workers: 4}\n"
                                 "caf: {listen: \"127.0.0.1:4242\"}\n",
                                 cfg)
                .empty());
  CAF_CHECK_EQUAL(cfg.listen, "0.0.0.0:9000");
  CAF_CHECK(cfg.auth.mode == auth_mode::token);
  CAF_CHECK_EQUAL(cfg.auth.cache_ttl_ms, 500);
  CAF_CHECK_EQUAL(cfg.limits.max_future_skew_ms, 7200000);
  CAF_CHECK_EQUAL(cfg.limits.read_timeout_ms, 5000);
  CAF_CHECK_EQUAL(cfg.limits.idle_timeout_ms, 120000);
  CAF_CHECK_EQUAL(cfg.limits.max_connections, 100);
  CAF_CHECK_EQUAL(cfg.http.threads, 2);
  CAF_CHECK_EQUAL(cfg.parser.workers, 4);
  CAF_CHECK_EQUAL(cfg.caf.listen, "127.0.0.1:4242");
}

CAF_TEST(unknown keys are errors with their line) {
  CAF_CHECK_EQUAL(only_problem("listen: \"127.0.0.1:8080\"\nlisen: x\n"),
                  "line 2, column 1: lisen: unknown key");
  CAF_CHECK_EQUAL(only_problem("valkey:\n  url: redis://x:1\n  max_backlogg: 5\n"),
                  "line 3, column 3: valkey.max_backlogg: unknown key");
}

CAF_TEST(bad values name the key and what was expected) {
  CAF_CHECK_EQUAL(only_problem("valkey:\n  max_backlog: lots\n"),
                  "line 2, column 16: valkey.max_backlog: expected an integer, got 'lots'");
  CAF_CHECK_EQUAL(
    only_problem("valkey:\n  max_backlog: 0\n"),
    "line 2, column 16: valkey.max_backlog: must be between 1 and 1099511627776, got 0");
  CAF_CHECK_EQUAL(only_problem("auth:\n  mode: tokens\n"),
                  "line 2, column 9: auth.mode: expected one of none, token, got 'tokens'");
  CAF_CHECK_EQUAL(only_problem("limits:\n  max_future_skew: soon\n"),
                  "line 2, column 20: limits.max_future_skew: expected a duration "
                  "such as 500ms, 15s, 10m, 2h or 7d, got 'soon'");
  CAF_CHECK_EQUAL(only_problem("listen: 8080\n"),
                  "line 1, column 9: listen: expected host:port, got '8080'");
  CAF_CHECK_EQUAL(only_problem("valkey:\n  url: http://x\n"),
                  "line 2, column 8: valkey.url: expected redis://host:port, "
                  "valkey://host:port or unix:///path, got 'http://x'");
  CAF_CHECK_EQUAL(only_problem("limits:\n  read_timeout: 0s\n"),
                  "line 2, column 17: limits.read_timeout: must be longer than 0s");
  CAF_CHECK_EQUAL(only_problem("http:\n  threads: 0\n"),
                  "line 2, column 12: http.threads: must be between 1 and 256, got 0");
  CAF_CHECK_EQUAL(only_problem("valkey: [1, 2]\n"),
                  "line 1, column 9: valkey: expected a mapping of keys");
}

CAF_TEST(keys that go together are checked together) {
  CAF_CHECK_EQUAL(only_problem("tls:\n  cert_file: /c.pem\n"),
                  "tls.key_file: cert_file and key_file go together: set both or neither");
  CAF_CHECK_EQUAL(only_problem("tls:\n  client_ca_file: /ca.pem\n"),
                  "line 2, column 19: tls.client_ca_file: client certificates need "
                  "TLS: set cert_file and key_file too");
  CAF_CHECK_EQUAL(only_problem("tls: {cert_file: /c.pem, key_file: /k.pem}\n"
                               "caf:\n  listen: 127.0.0.1:8090\n"),
                  "line 3, column 11: caf.listen: with TLS (tls.cert_file), the CAF listener "
                  "needs tls.client_ca_file too: CAF's TLS always checks the agent's "
                  "certificate");
  CAF_CHECK_EQUAL(only_problem("caf:\n  listen: 0.0.0.0:8090\n"),
                  "line 2, column 11: caf.listen: a CAF listener on a non-loopback address "
                  "needs mutual TLS (tls.cert_file, tls.key_file and tls.client_ca_file): "
                  "CAF's protocol itself lets any peer that reaches it use memory without "
                  "bound (docs/security.md)");
  CAF_CHECK(problems("caf:\n  listen: \"[::1]:8090\"\n").empty());
  CAF_CHECK(problems("tls: {cert_file: /c, key_file: /k, client_ca_file: /ca}\n"
                     "caf:\n  listen: 0.0.0.0:8090\n")
              .empty());
  CAF_CHECK_EQUAL(only_problem("status:\n  listen: 127.0.0.1:8080\n"),
                  "line 2, column 11: status.listen: must differ from the top-level listen");
  CAF_CHECK_EQUAL(only_problem("auth:\n  mode: token\n"),
                  "line 2, column 9: auth.mode: token mode needs tokens_file or postgres_dsn");
  CAF_CHECK_EQUAL(only_problem("limits: {max_body_bytes: 2048, max_inflated_bytes: 1024}\n"),
                  "line 1, column 52: limits.max_inflated_bytes: must be at least max_body_bytes");
  CAF_CHECK_EQUAL(
    only_problem("auth:\n  mode: token\n  tokens_file: /t\n  postgres_dsn: postgresql://x\n"),
    "line 4, column 17: auth.postgres_dsn: set tokens_file or postgres_dsn, not both");
}

CAF_TEST(every problem is reported at once in file order) {
  auto p = problems("lisen: x\nparser: {workers: many}\nvalkey: {max_backlog: -1}\n"
                    "tls: {cert_file: /c.pem}\n");
  CAF_REQUIRE_EQUAL(p.size(), 4u);
  CAF_CHECK_EQUAL(p[0], "line 1, column 1: lisen: unknown key");
  CAF_CHECK_EQUAL(p[1], "line 2, column 19: parser.workers: expected an integer, got 'many'");
  CAF_CHECK_EQUAL(p[2], "line 3, column 23: valkey.max_backlog: must be between 1 and "
                        "1099511627776, got -1");
  CAF_CHECK_EQUAL(p[3], "tls.key_file: cert_file and key_file go together: set both or neither");
}

CAF_TEST(YAML syntax errors have a position) {
  CAF_CHECK_EQUAL(only_problem("valkey: {url: x\nlisten: y\n"),
                  "line 2, column 7: end of map flow not found");
  CAF_CHECK_EQUAL(only_problem("listen: \"a:1\"\n  bad indent: x\n"),
                  "line 2, column 3: end of map not found");
  CAF_CHECK_EQUAL(only_problem("- a\n- b\n"),
                  "line 1, column 1: the file must be a mapping of keys");
  ingest_config cfg;
  auto missing = load_ingest_config_file("/nonexistent/ingest.yml", cfg);
  CAF_REQUIRE_EQUAL(missing.size(), 1u);
  CAF_CHECK_EQUAL(missing[0].to_string(),
                  "cannot read /nonexistent/ingest.yml: No such file or directory");
}

CAF_TEST(allow_data_loss is a yes or no) {
  ingest_config cfg;
  CAF_REQUIRE(load_ingest_config("valkey:\n  allow_data_loss: true\n", cfg).empty());
  CAF_CHECK(cfg.valkey.allow_data_loss);
  ingest_config bad;
  auto errors = load_ingest_config("valkey:\n  allow_data_loss: maybe\n", bad);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_NOT_EQUAL(errors[0].to_string().find("valkey.allow_data_loss"), std::string::npos);
}
