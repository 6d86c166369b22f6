#include "runtime/node/ingest_node.hpp"

#include "actors/ingest/http_acceptor.hpp"
#include "actors/ingest/ingest_gateway.hpp"
#include "actors/ingest/parser_pool.hpp"
#include "actors/ingest/stream_publisher.hpp"
#include "actors/ingest/token_lookup.hpp"
#include "lib/guard/basp_guard.hpp"
#include "lib/text/redact.hpp"
#include "runtime/node/node_runner.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace nodepulse::node {

namespace {

// Remote write senders' metric families remembered (type, HELP, unit):
// ~200 bytes each, so at most ~20 MB; node_exporter has ~300 families.
constexpr size_t remote_write_metadata_families = 100'000;

uint32_t parser_workers(const config::ingest_config& cfg) {
  if (cfg.parser.workers > 0)
    return static_cast<uint32_t>(cfg.parser.workers);
  return std::max(1u, std::thread::hardware_concurrency());
}

// Everything the actors need that can fail before anything starts.
struct prepared {
  http_acceptor_settings acceptor;
  parser_settings parser;
  valkey::address valkey;
  valkey::stream_settings stream;
  std::string postgres_dsn; // tokens in admiral.agent_tokens
};

bool prepare(const config::ingest_config& cfg, prepared& out, std::string& error) {
  auto& srv = out.acceptor.server;
  split_listen(cfg.listen, srv.host, srv.port);
  srv.tls_cert_file = cfg.tls.cert_file;
  srv.tls_key_file = cfg.tls.key_file;
  srv.tls_client_ca_file = cfg.tls.client_ca_file;
  srv.max_body_bytes = static_cast<size_t>(cfg.limits.max_body_bytes);
  srv.max_connections = static_cast<size_t>(cfg.limits.max_connections);
  srv.max_connections_per_address = static_cast<size_t>(cfg.limits.max_connections_per_address);
  if (!cfg.status.listen.empty()) {
    // Probes and scrapers: few, small, quick.
    http::server_settings status;
    split_listen(cfg.status.listen, status.host, status.port);
    status.tls_cert_file = srv.tls_cert_file;
    status.tls_key_file = srv.tls_key_file;
    status.max_body_bytes = 1024; // pushes are refused on their header anyway
    status.max_connections = 64;
    status.max_connections_per_address = 16;
    status.read_timeout = srv.read_timeout;
    status.idle_timeout = srv.idle_timeout;
    out.acceptor.status_server = status;
  }
  srv.read_timeout = std::chrono::milliseconds{cfg.limits.read_timeout_ms};
  srv.idle_timeout = std::chrono::milliseconds{cfg.limits.idle_timeout_ms};
  srv.threads = static_cast<unsigned>(cfg.http.threads);
  out.acceptor.token_mode = cfg.auth.mode == config::auth_mode::token;
  out.acceptor.token_cache_ttl_ms = cfg.auth.cache_ttl_ms;
  out.acceptor.unknown_token_rate = static_cast<double>(cfg.auth.unknown_token_rate);
  out.acceptor.unknown_token_burst = static_cast<double>(cfg.auth.unknown_token_burst);
  if (out.acceptor.token_mode && !cfg.auth.postgres_dsn.empty()) {
    out.acceptor.token_database = true;
    out.postgres_dsn = cfg.auth.postgres_dsn;
  } else if (out.acceptor.token_mode) {
    out.acceptor.tokens = ingest::read_tokens_file(cfg.auth.tokens_file, error);
    if (!out.acceptor.tokens)
      return false;
  }
  if (!cfg.caf.listen.empty() && !check_remoting_tls(gateway_tls(cfg), error)) {
    error = "tls (for caf.listen): " + error;
    return false;
  }
  out.parser.limits.max_samples = static_cast<size_t>(cfg.limits.max_samples_per_push);
  out.parser.limits.max_families = static_cast<size_t>(cfg.limits.max_families_per_push);
  out.parser.max_inflated_bytes = static_cast<size_t>(cfg.limits.max_inflated_bytes);
  out.parser.max_future_skew_ms = cfg.limits.max_future_skew_ms;
  out.parser.remote_metadata =
    std::make_shared<remote::metadata_cache>(remote_write_metadata_families);
  auto addr = valkey::parse_url(cfg.valkey.url, error);
  if (!addr) {
    error = "valkey.url: " + error;
    return false;
  }
  out.valkey = *addr;
  out.stream.stream = cfg.valkey.stream;
  out.stream.max_backlog = cfg.valkey.max_backlog;
  out.stream.require_durable = !cfg.valkey.allow_data_loss;
  return true;
}

} // namespace

bool make_ingest_node(const config::ingest_config& cfg, ingest_children& children,
                      std::shared_ptr<guard::basp_guard_stats>& caf_guard_stats,
                      std::string& summary, std::string& error) {
  prepared prep;
  if (!prepare(cfg, prep, error))
    return false;
  if (!cfg.caf.listen.empty()) {
    caf_guard_stats = std::make_shared<guard::basp_guard_stats>();
    prep.acceptor.extra_metrics = [stats = caf_guard_stats] {
      return guard::render_guard_metrics(*stats);
    };
  }
  uint32_t workers = parser_workers(cfg);
  children.parser_pool = [workers, settings = prep.parser](caf::local_actor* self) {
    return self->spawn(parser_pool, workers, settings);
  };
  children.publisher = [addr = prep.valkey, stream = prep.stream](caf::local_actor* self) {
    // hiredis blocks: its own thread, never a scheduler thread.
    auto client = std::make_shared<valkey::stream_client>(addr, stream);
    return self->spawn<caf::detached>(stream_publisher, valkey_backend(client));
  };
  children.acceptor = [settings = prep.acceptor](caf::local_actor* self) {
    return self->spawn(http_acceptor, settings);
  };
  if (!cfg.auth.tokens_file.empty())
    children.reread_tokens = [path = cfg.auth.tokens_file](std::string& error) {
      return token_registry_ptr{ingest::read_tokens_file(path, error)};
    };
  if (!prep.postgres_dsn.empty())
    children.token_lookup = [dsn = prep.postgres_dsn](caf::local_actor* self) {
      // libpq blocks: its own thread.
      return self->spawn<caf::detached>(token_lookup, postgres_token_lookup(dsn));
    };
  summary = std::string{prep.acceptor.server.tls_cert_file.empty() ? "http://" : "https://"}
            + cfg.listen + " with " + std::to_string(workers) + " parser workers; stream "
            + cfg.valkey.stream + " at " + text::redact_url(cfg.valkey.url)
            + (cfg.valkey.allow_data_loss ? " (allow_data_loss: acknowledged pushes may be lost)"
                                          : " (durable: pushes acknowledged once fsynced)");
  if (!cfg.caf.listen.empty())
    summary += "; CAF gateway on " + cfg.caf.listen + (gateway_tls(cfg).enabled() ? " (TLS)" : "");
  return true;
}

remoting_tls gateway_tls(const config::ingest_config& cfg) {
  return {cfg.tls.client_ca_file, cfg.tls.cert_file, cfg.tls.key_file};
}

bool start_ingest_gateway(caf::actor_system& sys, const ingest_supervisor_actor& ingest,
                          const config::ingest_config& cfg,
                          std::shared_ptr<guard::basp_guard_stats> caf_guard_stats,
                          std::unique_ptr<guard::basp_guard>& guard, std::string& error) {
  if (cfg.caf.listen.empty())
    return true;
  auto gateway = sys.spawn(ingest_gateway, ingest, std::function<int64_t()>{});
  guard::basp_guard_settings s;
  split_listen(cfg.caf.listen, s.host, s.port);
  if (!publish_gateway(sys, gateway, s.upstream_port, error)) {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    return false;
  }
  auto tls = gateway_tls(cfg);
  if (tls.enabled()) {
    s.tls_cert_file = tls.cert_file;
    s.tls_key_file = tls.key_file;
    s.tls_client_ca_file = tls.ca_file;
  }
  s.gateway_actor_id = gateway->id();
  // A push travels as one message: its body and a little of CAF's own.
  s.max_payload_bytes = static_cast<uint32_t>(cfg.limits.max_body_bytes + (1 << 20));
  s.max_connections = static_cast<size_t>(cfg.caf.max_connections);
  s.max_connections_per_address = static_cast<size_t>(cfg.caf.max_connections_per_address);
  s.handshake_timeout = std::chrono::milliseconds{cfg.caf.handshake_timeout_ms};
  s.stats = std::move(caf_guard_stats);
  guard = guard::basp_guard::start(
    s, [](const std::string& line) { spdlog::warn("{}", line); }, error);
  if (guard)
    return true;
  error = "caf.listen: " + error;
  caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
  return false;
}

} // namespace nodepulse::node
