#include "runtime/node/digest_command.hpp"

#include "actors/digest/db_writer.hpp"
#include "actors/digest/digest_supervisor.hpp"
#include "config/digest_config.hpp"
#include "runtime/node/node_runner.hpp"
#include "runtime/node/signals.hpp"
#include "runtime/pg/sample_store.hpp"
#include "runtime/valkey/stream_consumer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

namespace nodepulse::node {

namespace {

struct digest_system_config : caf::actor_system_config {
  digest_system_config() {
    add_message_types<caf::id_block::nodepulse>();
  }
};

} // namespace

int digest_command(int argc, char** argv) {
  std::string config_path;
  if (!config_argument(argc, argv, "digest", config_path))
    return 2;
  config::digest_config cfg;
  if (!load_config_reporting(config_path, cfg, config::load_digest_config_file))
    return 2;
  std::string error;
  auto addr = valkey::parse_url(cfg.valkey.url, error);
  if (!addr) {
    std::fprintf(stderr, "nodepulse digest: valkey.url: %s\n", error.c_str());
    return 2;
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
  digest_supervisor_settings settings;
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

  block_termination_signals(); // before CAF starts its threads
  digest_system_config sys_cfg;
  sys_cfg.set("scheduler.policy", caf::atom("sharing")); // see ingest_command.cpp
  caf::actor_system sys{sys_cfg};
  auto supervisor = sys.spawn(digest_supervisor, settings);
  spdlog::info("digest: {} writers (consumers {}-0..) of group {} on stream {} at {}; "
               "status on http://{}",
               settings.writers, consumer.consumer, cfg.valkey.group, cfg.valkey.stream, cfg.valkey.url,
               cfg.status.listen);
  int exit_code = run_until_stopped(sys, caf::actor_cast<caf::actor>(supervisor), "digest");
  spdlog::info("digest: stopped");
  return exit_code;
}

} // namespace nodepulse::node
