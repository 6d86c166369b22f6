// What the DB writer (actors/digest/db_writer) needs of Valkey and of
// PostgreSQL, as two small interfaces: the node plugs in the real clients
// (valkey::stream_consumer, pg::sample_store), the writer's caf-test suite
// plugs in scripted ones that record every call.
#pragma once

#include "lib/valkey/stream_codec.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse::digest {

// One stream entry as it was handed to this consumer.
struct delivery {
  std::string id;          // the stream entry id, "<ms>-<seq>"
  uint32_t deliveries = 1; // times handed to a consumer, this time included
  bool deleted = false;    // still pending, but gone from the stream
  valkey::stream_entry entry;
  std::string malformed; // "" or what is wrong with the entry's fields
};

struct backlog_figures {
  int64_t length = -1;       // entries in the stream (XLEN)
  int64_t pending = -1;      // handed out, not yet acknowledged
  int64_t dead_letters = -1; // entries in the dead-letter stream
};

// The stream, read through a consumer group.
class entry_source {
public:
  virtual ~entry_source() = default;
  // Makes sure the consumer group (and the stream) exist; `created` says
  // whether they had to be made now (a first start, or they vanished).
  virtual bool prepare(bool& created, std::string& error) = 0;
  // This consumer's own unacknowledged entries (after a restart).
  virtual std::optional<std::vector<delivery>> read_own_pending(size_t max, std::string& error) = 0;
  // Entries never handed out yet; waits a little when there are none.
  virtual std::optional<std::vector<delivery>> read_new(size_t max, std::string& error) = 0;
  // Entries pending with any consumer for longer than the idle timeout
  // (a dead digest's), now this consumer's.
  virtual std::optional<std::vector<delivery>> claim_idle(size_t max, std::string& error) = 0;
  // Acknowledges and deletes the entries, atomically.
  virtual bool acknowledge(const std::vector<std::string>& ids, std::string& error) = 0;
  // Copies the entry with `reason` to the dead-letter stream, then
  // acknowledges and deletes it, atomically.
  virtual bool dead_letter(const delivery& d, const std::string& reason, std::string& error) = 0;
  virtual std::optional<backlog_figures> backlog(std::string& error) = 0;
};

struct db_error {
  bool connection_lost = false; // the database is gone: nothing is wrong with the data
  std::string message;
};

// A batch committed with its samples: its id (for exactly-once) and whose.
struct accepted_batch {
  std::string batch_id;
  std::string server_id;
  int64_t received_at_ms = 0;
  std::string agent_dropped; // the agent's X-Agent-Dropped, "" if none
};

// admiral.metric_samples and its companions.
class sample_sink {
public:
  virtual ~sample_sink() = default;
  // The daily partition of `day` (days since 1970-01-01, UTC) exists.
  virtual bool ensure_partition(int64_t day, db_error& error) = 0;
  // One transaction: begin, known_batches, the COPY, record_batches, commit
  // (rollback after any failure, in the middle of a COPY too).
  virtual bool begin(db_error& error) = 0;
  // Which of `batch_ids` are committed already.
  virtual std::optional<std::vector<std::string>>
  known_batches(const std::vector<std::string>& batch_ids, db_error& error) = 0;
  // One COPY of rows in PostgreSQL's text format (pg::append_copy_rows),
  // sent in pieces as they are made, so that PostgreSQL works on one piece
  // while the writer makes the next: copy_start, copy_send..., copy_end.
  virtual bool copy_start(db_error& error) = 0;
  virtual bool copy_send(const std::string& rows, db_error& error) = 0;
  virtual bool copy_end(db_error& error) = 0;
  // Records the batch ids and upserts their servers' last_seen.
  virtual bool record_batches(const std::vector<accepted_batch>& batches, db_error& error) = 0;
  virtual bool commit(db_error& error) = 0;
  virtual void rollback() = 0;
  // Retention: partitions wholly older than `days` dropped; batch ids
  // recorded more than `days` ago forgotten.
  virtual bool apply_retention(int64_t days, db_error& error) = 0;
};

} // namespace nodepulse::digest
