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
  int64_t length = -1;        // entries in the stream (XLEN)
  int64_t pending = -1;       // handed out, not yet acknowledged
  int64_t dead_letters = -1;  // entries in the dead-letter stream
  int64_t oldest_age_ms = -1; // how long its oldest entry has waited; 0 when empty
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

// A metric as the catalogue names it: the sample's name (x_bucket, x_sum,
// ...), its family's type as text, HELP and unit.
struct metric_key {
  std::string name;
  std::string type;
  std::optional<std::string> help;
  std::optional<std::string> unit;

  bool operator==(const metric_key& o) const {
    return name == o.name && type == o.type && help == o.help && unit == o.unit;
  }
};

// A series as the catalogue names it: whose, which metric, which labels.
struct series_key {
  std::string server_id;
  int32_t metric_id = 0;
  std::string labels_json; // append_labels_json's: names in order
};

// One sample of the hot tier.
struct hot_row {
  int64_t series_id = 0;
  int64_t timestamp_ms = 0;
  double value = 0;
};

// The samples' tables (sql/007: the catalogue, the hot tier) and their
// companions.
class sample_sink {
public:
  virtual ~sample_sink() = default;
  // The hot partition of the block period starting at `period_start_ms`
  // (block_period_ms apart from the epoch) exists.
  virtual bool ensure_hot_partition(int64_t period_start_ms, db_error& error) = 0;
  // The catalogue's ids of `metrics`, position for position, made if missing;
  // outside any transaction, so an id stays valid whatever happens next.
  virtual std::optional<std::vector<int32_t>>
  resolve_metrics(const std::vector<metric_key>& metrics, db_error& error) = 0;
  // The same for series; a new one's last_seen is its position's day in
  // `days` (days since 1970, UTC).
  virtual std::optional<std::vector<int64_t>> resolve_series(const std::vector<series_key>& series,
                                                             const std::vector<int64_t>& days,
                                                             db_error& error) = 0;
  // Moves the last_seen of each of `series_ids` up to its day in `days`;
  // answers the ids that no longer exist (the retention removed them).
  virtual std::optional<std::vector<int64_t>> touch_series(const std::vector<int64_t>& series_ids,
                                                           const std::vector<int64_t>& days,
                                                           db_error& error) = 0;
  // One transaction: begin, known_batches, the COPY, record_batches, commit
  // (rollback after any failure, in the middle of a COPY too).
  virtual bool begin(db_error& error) = 0;
  // Which of `batch_ids` are committed already.
  virtual std::optional<std::vector<std::string>>
  known_batches(const std::vector<std::string>& batch_ids, db_error& error) = 0;
  // One COPY into the hot tier, sent in pieces as they are made, so that
  // PostgreSQL works on one piece while the writer makes the next:
  // copy_start, copy_rows..., copy_end.
  virtual bool copy_start(db_error& error) = 0;
  virtual bool copy_rows(const hot_row* rows, size_t count, db_error& error) = 0;
  virtual bool copy_end(db_error& error) = 0;
  // Records the batch ids and upserts their servers' last_seen.
  virtual bool record_batches(const std::vector<accepted_batch>& batches, db_error& error) = 0;
  virtual bool commit(db_error& error) = 0;
  virtual void rollback() = 0;
  // Retention: samples, blocks and series older than `days` gone (whole
  // partitions), batch ids recorded more than `days` ago forgotten.
  virtual bool apply_retention(int64_t days, db_error& error) = 0;
};

// How long one cold block spans; hot partitions span the same (sql/007's
// admiral.block_start).
inline constexpr int64_t block_period_ms = 2 * 3'600'000;

// The start of the block period holding `ms`.
inline int64_t block_start_ms(int64_t ms) {
  int64_t q = ms / block_period_ms;
  if (ms < 0 && q * block_period_ms != ms)
    --q;
  return q * block_period_ms;
}

} // namespace nodepulse::digest
