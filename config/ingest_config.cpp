#include "config/ingest_config.hpp"

#include "config/role_readers.hpp"
#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace nodepulse::config {

void read_tls_keys(yaml_reader& r, std::string& cert_file, std::string& key_file,
                   std::string& client_ca_file) {
  r.string("cert_file", cert_file);
  r.string("key_file", key_file);
  r.string("client_ca_file", client_ca_file);
  if (cert_file.empty() != key_file.empty())
    r.fail_key(cert_file.empty() ? "cert_file" : "key_file",
               "cert_file and key_file go together: set both or neither");
  if (!client_ca_file.empty() && cert_file.empty())
    r.fail_key("client_ca_file", "client certificates need TLS: set "
                                 "cert_file and key_file too");
}

bool valid_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  long port = 0;
  for (size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || port > 65535)
      return false;
    port = port * 10 + (text[i] - '0');
  }
  return port >= 1 && port <= 65535;
}

bool loopback_listen_address(const std::string& text) {
  auto host = text.substr(0, text.rfind(':'));
  return host.rfind("127.", 0) == 0 || host == "::1" || host == "[::1]" || host == "localhost";
}

bool valid_valkey_url(const std::string& url) {
  return url.rfind("redis://", 0) == 0 || url.rfind("valkey://", 0) == 0
         || url.rfind("unix://", 0) == 0;
}

void read_ingest_config(yaml_reader& top, ingest_config& cfg) {
  top.string("listen", cfg.listen);
  if (!valid_listen_address(cfg.listen))
    top.fail_key("listen", "expected host:port, got '" + cfg.listen + "'");
  top.section("status", [&](yaml_reader& r) {
    r.string("listen", cfg.status.listen);
    if (!cfg.status.listen.empty() && !valid_listen_address(cfg.status.listen))
      r.fail_key("listen", "expected host:port, got '" + cfg.status.listen + "'");
    if (!cfg.status.listen.empty() && cfg.status.listen == cfg.listen)
      r.fail_key("listen", "must differ from the top-level listen");
  });
  top.section("tls", [&](yaml_reader& r) {
    read_tls_keys(r, cfg.tls.cert_file, cfg.tls.key_file, cfg.tls.client_ca_file);
  });
  top.section("auth", [&](yaml_reader& r) {
    r.choice("mode", cfg.auth.mode, {{"none", auth_mode::none}, {"token", auth_mode::token}});
    r.string("tokens_file", cfg.auth.tokens_file);
    r.string("postgres_dsn", cfg.auth.postgres_dsn);
    r.duration_ms("cache_ttl", cfg.auth.cache_ttl_ms);
    r.integer("unknown_token_rate", cfg.auth.unknown_token_rate, 1, 1'000'000);
    r.integer("unknown_token_burst", cfg.auth.unknown_token_burst, 1, 1'000'000);
    if (cfg.auth.mode == auth_mode::token && cfg.auth.tokens_file.empty()
        && cfg.auth.postgres_dsn.empty())
      r.fail_key("mode", "token mode needs tokens_file or postgres_dsn");
    if (!cfg.auth.tokens_file.empty() && !cfg.auth.postgres_dsn.empty())
      r.fail_key("postgres_dsn", "set tokens_file or postgres_dsn, not both");
  });
  top.section("valkey", [&](yaml_reader& r) {
    r.string("url", cfg.valkey.url);
    if (!valid_valkey_url(cfg.valkey.url))
      r.fail_key("url", "expected redis://host:port, valkey://host:port or "
                        "unix:///path, got '"
                          + cfg.valkey.url + "'");
    r.string("stream", cfg.valkey.stream);
    if (cfg.valkey.stream.empty())
      r.fail_key("stream", "must not be empty");
    r.integer("max_backlog", cfg.valkey.max_backlog, 1, int64_t{1} << 40);
    r.boolean("allow_data_loss", cfg.valkey.allow_data_loss);
  });
  top.section("limits", [&](yaml_reader& r) {
    r.integer("max_body_bytes", cfg.limits.max_body_bytes, 1024, int64_t{1} << 34);
    r.integer("max_inflated_bytes", cfg.limits.max_inflated_bytes, 1024, int64_t{1} << 36);
    r.integer("max_samples_per_push", cfg.limits.max_samples_per_push, 1, int64_t{1} << 32);
    r.integer("max_families_per_push", cfg.limits.max_families_per_push, 1, int64_t{1} << 32);
    r.duration_ms("max_future_skew", cfg.limits.max_future_skew_ms);
    r.integer("max_connections", cfg.limits.max_connections, 1, 1'000'000);
    r.integer("max_connections_per_address", cfg.limits.max_connections_per_address, 0, 1'000'000);
    r.duration_ms("read_timeout", cfg.limits.read_timeout_ms);
    r.duration_ms("idle_timeout", cfg.limits.idle_timeout_ms);
    if (cfg.limits.read_timeout_ms <= 0)
      r.fail_key("read_timeout", "must be longer than 0s");
    if (cfg.limits.idle_timeout_ms <= 0)
      r.fail_key("idle_timeout", "must be longer than 0s");
    if (cfg.limits.max_inflated_bytes < cfg.limits.max_body_bytes)
      r.fail_key("max_inflated_bytes", "must be at least max_body_bytes");
  });
  top.section("http", [&](yaml_reader& r) { r.integer("threads", cfg.http.threads, 1, 256); });
  top.section("parser", [&](yaml_reader& r) { r.integer("workers", cfg.parser.workers, 0, 1024); });
  top.section("caf", [&](yaml_reader& r) {
    r.string("listen", cfg.caf.listen);
    r.integer("max_connections", cfg.caf.max_connections, 1, 100'000);
    r.integer("max_connections_per_address", cfg.caf.max_connections_per_address, 1, 100'000);
    r.duration_ms("handshake_timeout", cfg.caf.handshake_timeout_ms);
    if (cfg.caf.handshake_timeout_ms < 100)
      r.fail_key("handshake_timeout", "must be at least 100ms");
    if (!cfg.caf.listen.empty() && !valid_listen_address(cfg.caf.listen))
      r.fail_key("listen", "expected host:port, got '" + cfg.caf.listen + "'");
    // With tls.cert_file the CAF listener speaks TLS too, and CAF's TLS
    // always authenticates both sides.
    else if (!cfg.caf.listen.empty() && !cfg.tls.cert_file.empty()
             && cfg.tls.client_ca_file.empty())
      r.fail_key("listen", "with TLS (tls.cert_file), the CAF listener needs "
                           "tls.client_ca_file too: CAF's TLS always checks the agent's "
                           "certificate");
    // CAF's own protocol trusts its peers (no size, time or connection
    // limits; docs/security.md): only agents with a certificate may reach it.
    else if (!cfg.caf.listen.empty() && !loopback_listen_address(cfg.caf.listen)
             && cfg.tls.client_ca_file.empty())
      r.fail_key("listen", "a CAF listener on a non-loopback address needs mutual TLS "
                           "(tls.cert_file, tls.key_file and tls.client_ca_file): CAF's "
                           "protocol itself lets any peer that reaches it use memory "
                           "without bound (docs/security.md)");
  });
}

std::vector<config_error> load_ingest_config(const std::string& text, ingest_config& cfg) {
  return load_config_text(
    text, [&](yaml_reader& top, std::vector<config_error>&) { read_ingest_config(top, cfg); });
}

std::vector<config_error> load_ingest_config_file(const std::string& path, ingest_config& cfg) {
  return load_config_file(path, cfg, load_ingest_config);
}

} // namespace nodepulse::config
