#include "runtime/node/digest_node.hpp"

#include "actors/digest/compactor.hpp"
#include "actors/digest/db_writer.hpp"
#include "actors/digest/loss_detector.hpp"
#include "actors/digest/query_server.hpp"
#include "lib/pg/compaction_store.hpp"
#include "lib/pg/loss_store.hpp"
#include "lib/pg/page_reader.hpp"
#include "lib/pg/sample_reader.hpp"
#include "lib/pg/sample_store.hpp"
#include "lib/text/redact.hpp"
#include "lib/valkey/stream_consumer.hpp"
#include "runtime/node/node_runner.hpp"

#include <memory>

namespace nodepulse::node {

bool make_digest_node(const config::digest_config& cfg, digest_supervisor_settings& settings,
                      std::string& summary, std::string& error) {
  auto addr = valkey::parse_url(cfg.valkey.url, error);
  if (!addr) {
    error = "valkey.url: " + error;
    return false;
  }
  valkey::consumer_settings consumer;
  consumer.stream = cfg.valkey.stream;
  consumer.group = cfg.valkey.group;
  consumer.consumer = valkey::default_consumer_name();
  consumer.dead_letter_stream = cfg.writer.dead_letter_stream;
  consumer.claim_min_idle = std::chrono::milliseconds{cfg.writer.claim_idle_ms};
  db_writer_settings writer;
  writer.max_entries = static_cast<size_t>(cfg.writer.batch_entries);
  writer.max_failures = static_cast<uint32_t>(cfg.writer.max_failures);
  writer.max_deliveries = static_cast<uint32_t>(cfg.writer.max_deliveries);
  writer.retention_days = cfg.retention.days;
  // Look for a dead consumer's entries a few times per idle timeout.
  writer.claim_every = std::chrono::milliseconds{cfg.writer.claim_idle_ms / 4};
  writer.log = std::make_shared<dependency_log>(); // one line per change for all writers
  writer.cache =
    std::make_shared<digest::series_cache>(static_cast<size_t>(cfg.writer.series_cache));
  split_listen(cfg.status.listen, settings.status.host, settings.status.port);
  settings.writers = static_cast<uint32_t>(cfg.writer.connections);
  settings.spawn_writer = [addr = *addr, consumer, writer,
                           dsn = cfg.postgres.dsn](caf::local_actor* self, uint32_t slot) {
    // Each slot its own consumer name, kept across restarts of its writer
    // (which then re-reads its own pending entries first).
    auto mine = consumer;
    mine.consumer += "-" + std::to_string(slot);
    // hiredis and libpq block: each writer gets its own thread.
    return self->spawn<caf::detached>(db_writer,
                                      std::make_shared<valkey::stream_consumer>(addr, mine),
                                      std::make_shared<pg::sample_store>(dsn), writer);
  };

  if (cfg.loss_detector.enabled) {
    loss_detector_settings loss;
    loss.settle = std::chrono::seconds{cfg.loss_detector.after_ms / 1000};
    loss.every = std::chrono::milliseconds{cfg.loss_detector.every_ms};
    settings.spawn_loss_detector = [loss, addr = *addr, stream = cfg.valkey.stream,
                                    dsn = cfg.postgres.dsn](caf::local_actor* self) {
      auto store = std::make_shared<pg::loss_store>(dsn);
      loss_pass pass = [store](std::chrono::seconds settle, std::string& error) {
        return store->detect(settle, error);
      };
      auto valkey_conn =
        std::make_shared<valkey::connection>(addr, std::chrono::milliseconds{2000});
      stream_backlog_age backlog_age = [valkey_conn, stream](std::string& error) {
        return valkey::oldest_entry_age(*valkey_conn, stream, error);
      };
      // libpq and hiredis block: its own thread.
      return self->spawn<caf::detached>(loss_detector, std::move(pass), std::move(backlog_age),
                                        loss);
    };
  }

  compactor_settings compaction;
  compaction.every = std::chrono::milliseconds{cfg.storage.compact_every_ms};
  compaction.hot_period_ms = cfg.storage.hot_period_ms;
  compaction.chunk_series = cfg.storage.compact_series;
  settings.spawn_compactor = [compaction, dsn = cfg.postgres.dsn](caf::local_actor* self) {
    // libpq blocks: its own thread.
    return self->spawn<caf::detached>(compactor, std::make_shared<pg::compaction_store>(dsn),
                                      compaction);
  };

  if (!cfg.query.listen.empty()) {
    const auto& q = cfg.query;
    query_server_settings query;
    split_listen(q.listen, query.server.host, query.server.port);
    query.server.tls_cert_file = q.tls.cert_file;
    query.server.tls_key_file = q.tls.key_file;
    query.server.tls_client_ca_file = q.tls.client_ca_file;
    query.server.max_body_bytes = 1 << 20; // matchers only
    query.server.max_connections = static_cast<size_t>(q.max_connections);
    query.server.max_connections_per_address = static_cast<size_t>(q.max_connections);
    if (q.auth.mode == config::auth_mode::token) {
      query.tokens = ingest::read_tokens_file(q.auth.tokens_file, error);
      if (!query.tokens) {
        error = "query.auth.tokens_file: " + error;
        return false;
      }
    }
    query.workers = static_cast<uint32_t>(q.workers);
    query.max_in_flight = static_cast<uint32_t>(q.max_in_flight);
    query.worker_timeout = std::chrono::milliseconds{q.timeout_ms + 30'000};
    query_settings reads;
    reads.limits.max_series = static_cast<size_t>(q.max_series);
    reads.limits.max_samples = static_cast<size_t>(q.max_samples);
    reads.limits.max_range_ms = q.max_range_ms;
    reads.limits.timeout = std::chrono::milliseconds{q.timeout_ms};
    reads.page.down_after_ms = q.page.down_after_ms;
    reads.page.max_points = q.page.max_points;
    reads.page.default_points = std::min<int64_t>(600, q.page.max_points);
    reads.page.max_range_ms = q.max_range_ms;
    query.page = q.page.enabled;
    query.fleet_refresh = std::chrono::milliseconds{q.page.fleet_refresh_ms};
    query.fleet_max_age =
      std::chrono::milliseconds{std::max(q.page.down_after_ms, q.page.fleet_refresh_ms)};
    query.spawn_worker = [reads, dsn = cfg.postgres.dsn](caf::local_actor* self, uint32_t) {
      auto reader = std::make_shared<pg::sample_reader>(dsn);
      read_port read = [reader](const auto& queries, const auto& limits, auto& out) {
        return reader->read(queries, limits, out);
      };
      // The page's queries on a connection of their own, opened on first use.
      auto pages = std::make_shared<pg::page_reader>(dsn);
      page::query_port page = [pages, timeout = reads.limits.timeout](
                                const std::string& sql, const std::vector<std::string>& params,
                                size_t max_rows, pg::text_table& out) {
        return pages->run(sql, params, timeout, max_rows, out);
      };
      // libpq blocks: its own thread.
      return self->spawn<caf::detached>(query_worker, std::move(read), std::move(page), reads);
    };
    settings.spawn_query_server = [query](caf::local_actor* self) {
      return self->spawn(query_server, query);
    };
  }

  summary = std::to_string(settings.writers) + " writers (consumers " + consumer.consumer
            + "-0..) of group " + cfg.valkey.group + " on stream " + cfg.valkey.stream + " at "
            + text::redact_url(cfg.valkey.url) + "; status on http://" + cfg.status.listen;
  if (!cfg.query.listen.empty())
    summary += "; remote read on " + std::string{cfg.query.tls.cert_file.empty() ? "http" : "https"}
               + "://" + cfg.query.listen + "/api/v1/read";
  if (!cfg.query.listen.empty() && cfg.query.page.enabled)
    summary += "; web page on " + std::string{cfg.query.tls.cert_file.empty() ? "http" : "https"}
               + "://" + cfg.query.listen + "/";
  return true;
}

} // namespace nodepulse::node
