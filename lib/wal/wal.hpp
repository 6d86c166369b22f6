// The agent's write-ahead log (buffer.path): every scrape is appended here
// before it is pushed, and stays until the ingest acknowledged it, the
// retention passed, or the size cap needed its room.
//
// On disk: segment files `<first sequence, 16 hex>.wal` of framed records,
//   u32 payload length | u32 CRC-32 of the rest | u64 sequence |
//   i64 scrape time (ms) | u64 key sequence | payload (zstd)
// (little-endian), and `acked`, the highest acknowledged sequence (written
// to a temporary file and renamed). A segment is closed at segment_bytes;
// whole segments go when every record in them is acknowledged, too old, or
// the oldest while the log is over max_bytes: never a record at a time.
// `epoch` holds a random number (see epoch()), `dropped_through` the
// highest sequence of that epoch the caps dropped (see stats).
//
// Recovery (open): a torn or corrupt record at the end of the newest
// segment (kill -9, power loss) is cut off; a corrupt record elsewhere is
// skipped when its length can be trusted, else the rest of its segment; all
// counted. Open never fails for what it finds in the files, only when the
// directory cannot be used.
//
// Compression: consecutive scrapes of an exporter differ in their values,
// not their names and labels, so a record is compressed with a recent "key"
// record of its segment as zstd prefix (key sequence; 0 for a key record,
// compressed alone): about a tenth of the bytes of compressing it alone. A
// key record starts every segment and every key_every records, so a
// corrupt key costs at most that many records.
//
// fsync: `always` (after each append: a scrape is on disk before it is
// pushed), `interval` (at most once per fsync_interval), `never` (the
// kernel decides). Not thread-safe: one owner (the BUFFER actor).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace nodepulse::wal {

enum class fsync_policy { always, interval, never };

struct options {
  std::string dir;
  uint64_t max_bytes = 100ull << 20;       // buffer.max_size_mb
  int64_t retention_ms = 48LL * 3'600'000; // buffer.retention_hours
  uint64_t segment_bytes = 4ull << 20;
  fsync_policy fsync = fsync_policy::always;
  int64_t fsync_interval_ms = 1'000;
  // With the key record as prefix, level 3 saves nothing over 1 on
  // node_exporter scrapes (4,986 vs 4,934 bytes each) and keeps ~0.4 MB more.
  int zstd_level = 1;
  uint32_t key_every = 64;
};

struct record {
  uint64_t sequence = 0;
  int64_t time_ms = 0;
  std::string data; // as appended
};

struct stats {
  uint64_t records = 0;       // not yet acknowledged
  uint64_t bytes = 0;         // segment files on disk
  int64_t oldest_time_ms = 0; // of the oldest unacknowledged record; 0 if none
  uint64_t appended = 0;
  uint64_t dropped_retention = 0; // unacknowledged records dropped for their age
  uint64_t dropped_size = 0;      // unacknowledged records dropped for the size cap
  // The highest sequence of this epoch dropped for age or size, kept in
  // `dropped_through`: drops go oldest first, so every sequence up to here
  // not acknowledged is gone. The pusher tells the ingest (X-Agent-Dropped)
  // so the loss detector can name such gaps as the agent's own.
  uint64_t dropped_through = 0;
  uint64_t truncated_tail = 0;  // torn records cut off at recovery
  uint64_t skipped_corrupt = 0; // corrupt records skipped at recovery or read
  uint64_t write_failures = 0;  // appends that failed (disk full, I/O error)
};

class write_ahead_log {
public:
  // Opens (creating `opts.dir` if needed) and recovers; null and `error`
  // set when the directory cannot be made or read.
  static std::unique_ptr<write_ahead_log> open(const options& opts, std::string& error);

  ~write_ahead_log();
  write_ahead_log(const write_ahead_log&) = delete;
  write_ahead_log& operator=(const write_ahead_log&) = delete;

  // Appends one record stamped `time_ms`; its sequence, or 0 and `error`
  // set when it could not be written (nothing half-written stays behind).
  uint64_t append(int64_t time_ms, std::string_view data, std::string& error);

  // Up to `max` unacknowledged records after `after` (a sequence; 0: from
  // the oldest), oldest first. A record that no longer reads back intact is
  // skipped and counted.
  std::vector<record> read(uint64_t after, size_t max);

  // Everything up to and including `sequence` was delivered.
  void acknowledge(uint64_t sequence);

  // Drops what the retention or the size cap says must go, as of `now_ms`.
  void enforce_limits(int64_t now_ms);

  const stats& figures() const { return stats_; }
  uint64_t acknowledged() const { return acked_; }
  // A random number kept in `epoch`, made anew when the file is missing
  // (a new or wiped directory) or recovery cut records off: with the
  // sequence it names a record for good (the pusher's X-Batch-Id), even
  // if a sequence is handed out again after a loss.
  uint64_t epoch() const { return epoch_; }
  uint64_t last_sequence() const { return next_sequence_ - 1; }

private:
  struct segment;
  struct entry; // a record's place
  explicit write_ahead_log(options opts);

  bool recover(std::string& error);
  bool renew_epoch(std::string& error);
  // The record at `e` as appended; false if it does not read back intact.
  bool load(const entry& e, std::string& out);
  void forget_segment_keys(uint64_t segment_first);
  bool start_segment(uint64_t first_sequence, std::string& error);
  void drop_segment_front(bool count_as_size);
  // Writes `value` to the file `name` in the directory (temporary + rename).
  void persist_number(const char* name, uint64_t value);
  void refresh_stats();

  options opts_;
  std::vector<segment> segments_; // oldest first; the last one is written to
  std::vector<entry> entries_;    // unacknowledged, oldest first
  std::vector<entry> keys_;       // key records of the segments on disk, oldest first
  ZSTD_CCtx_s* compressor_ = nullptr;
  ZSTD_DCtx_s* decompressor_ = nullptr;
  // The key new records refer to (none after a reopen: the next is a key).
  uint64_t key_sequence_ = 0;
  std::string key_text_;
  uint32_t since_key_ = 0;
  // The key last decoded for reading.
  uint64_t cached_key_ = 0;
  std::string cached_key_text_;
  int fd_ = -1; // the last segment, open for appending
  uint64_t next_sequence_ = 1;
  uint64_t acked_ = 0;
  uint64_t epoch_ = 0;
  int64_t last_fsync_ms_ = 0;
  stats stats_;
};

} // namespace nodepulse::wal
