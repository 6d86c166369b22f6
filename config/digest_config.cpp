#include "config/digest_config.hpp"

#include "config/ingest_config.hpp" // valid_listen_address
#include "config/role_readers.hpp"
#include "config/yaml_reader.hpp"

namespace nodepulse::config {

void read_digest_config(yaml_reader& top, digest_config& cfg) {
  top.section("valkey", [&](yaml_reader& r) {
    r.string("url", cfg.valkey.url);
    if (!valid_valkey_url(cfg.valkey.url))
      r.fail_key("url", "expected redis://host:port, valkey://host:port or "
                        "unix:///path, got '"
                          + cfg.valkey.url + "'");
    r.string("stream", cfg.valkey.stream);
    if (cfg.valkey.stream.empty())
      r.fail_key("stream", "must not be empty");
    r.string("group", cfg.valkey.group);
    if (cfg.valkey.group.empty())
      r.fail_key("group", "must not be empty");
  });
  top.section("postgres", [&](yaml_reader& r) {
    r.string("dsn", cfg.postgres.dsn);
    if (cfg.postgres.dsn.rfind("postgresql://", 0) != 0
        && cfg.postgres.dsn.rfind("postgres://", 0) != 0
        && cfg.postgres.dsn.find('=') == std::string::npos)
      r.fail_key("dsn", "expected postgresql://user@host:port/db or key=value pairs, got '"
                          + cfg.postgres.dsn + "'");
  });
  top.section("retention",
              [&](yaml_reader& r) { r.integer("days", cfg.retention.days, 1, 36500); });
  top.section("storage", [&](yaml_reader& r) {
    r.duration_ms("hot_period", cfg.storage.hot_period_ms);
    if (cfg.storage.hot_period_ms < 60'000)
      r.fail_key("hot_period", "must be at least 1m");
    r.duration_ms("compact_every", cfg.storage.compact_every_ms);
    if (cfg.storage.compact_every_ms < 1'000)
      r.fail_key("compact_every", "must be at least 1s");
    r.integer("compact_series", cfg.storage.compact_series, 100, 10'000'000);
  });
  top.section("loss_detector", [&](yaml_reader& r) {
    r.boolean("enabled", cfg.loss_detector.enabled);
    r.duration_ms("after", cfg.loss_detector.after_ms);
    if (cfg.loss_detector.after_ms < 1000)
      r.fail_key("after", "must be at least 1s");
    r.duration_ms("every", cfg.loss_detector.every_ms);
    if (cfg.loss_detector.every_ms < 100)
      r.fail_key("every", "must be at least 100ms");
  });
  top.section("status", [&](yaml_reader& r) {
    r.string("listen", cfg.status.listen);
    if (!valid_listen_address(cfg.status.listen))
      r.fail_key("listen", "expected host:port, got '" + cfg.status.listen + "'");
  });
  top.section("query", [&](yaml_reader& r) {
    auto& q = cfg.query;
    r.string("listen", q.listen);
    if (!q.listen.empty() && !valid_listen_address(q.listen))
      r.fail_key("listen", "expected host:port, got '" + q.listen + "'");
    r.section("tls", [&](yaml_reader& t) {
      read_tls_keys(t, q.tls.cert_file, q.tls.key_file, q.tls.client_ca_file);
    });
    r.section("auth", [&](yaml_reader& a) {
      a.choice("mode", q.auth.mode, {{"none", auth_mode::none}, {"token", auth_mode::token}});
      a.string("tokens_file", q.auth.tokens_file);
      if (q.auth.mode == auth_mode::token && q.auth.tokens_file.empty())
        a.fail_key("tokens_file", "token mode needs a tokens_file of reader tokens");
    });
    r.integer("workers", q.workers, 1, 64);
    r.integer("max_in_flight", q.max_in_flight, 1, 10'000);
    r.integer("max_series", q.max_series, 1, 10'000'000);
    r.integer("max_samples", q.max_samples, 1, 1'000'000'000);
    r.duration_ms("max_range", q.max_range_ms);
    if (q.max_range_ms < 60'000)
      r.fail_key("max_range", "must be at least 1m");
    r.duration_ms("timeout", q.timeout_ms);
    if (q.timeout_ms < 100)
      r.fail_key("timeout", "must be at least 100ms");
    r.integer("max_connections", q.max_connections, 1, 100'000);
    r.section("page", [&](yaml_reader& p) {
      p.boolean("enabled", q.page.enabled);
      p.duration_ms("down_after", q.page.down_after_ms);
      if (q.page.down_after_ms < 1'000)
        p.fail_key("down_after", "must be at least 1s");
      p.integer("max_points", q.page.max_points, 10, 100'000);
      p.duration_ms("fleet_refresh", q.page.fleet_refresh_ms);
      if (q.page.fleet_refresh_ms < 1'000)
        p.fail_key("fleet_refresh", "must be at least 1s");
    });
  });
  top.section("writer", [&](yaml_reader& r) {
    r.integer("connections", cfg.writer.connections, 1, 64);
    r.integer("batch_entries", cfg.writer.batch_entries, 1, 10'000);
    r.integer("max_failures", cfg.writer.max_failures, 1, 1'000);
    r.integer("max_deliveries", cfg.writer.max_deliveries, 1, 1'000);
    r.duration_ms("claim_idle", cfg.writer.claim_idle_ms);
    if (cfg.writer.claim_idle_ms < 1'000)
      r.fail_key("claim_idle", "must be at least 1s (a busy digest must not lose its entries)");
    r.integer("series_cache", cfg.writer.series_cache, 1'000, 100'000'000);
    r.string("dead_letter_stream", cfg.writer.dead_letter_stream);
    if (cfg.writer.dead_letter_stream.empty())
      r.fail_key("dead_letter_stream", "must not be empty");
  });
}

std::vector<config_error> load_digest_config(const std::string& text, digest_config& cfg) {
  return load_config_text(
    text, [&](yaml_reader& top, std::vector<config_error>&) { read_digest_config(top, cfg); });
}

std::vector<config_error> load_digest_config_file(const std::string& path, digest_config& cfg) {
  return load_config_file(path, cfg, load_digest_config);
}

} // namespace nodepulse::config
