// Publishes stream entries to Valkey (or Redis) over one blocking
// connection, to be owned by a detached actor, never a scheduler thread.
//
// One push is one atomic step on the server (a Lua script): if its batch id
// was seen, the earlier entry id is returned and nothing is written; if the
// stream already holds max_backlog entries, nothing is written; otherwise
// the entry is XADDed and its batch id remembered for batch_id_ttl. So a
// retried batch is stored once and nothing is ever half-written.
//
// Before the first push on a connection, and every durability_recheck
// after, it reads the server's persistence settings (persistence.hpp): a
// server that would lose an acknowledged push in a crash gets no push
// (not_durable, answered 503) unless the operator accepted that loss.
#pragma once

#include "lib/valkey/connection.hpp"
#include "lib/valkey/stream_codec.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::valkey {

enum class publish_outcome {
  published,    // written now
  duplicate,    // written before under this batch id; not written again
  backlog_full, // the stream holds max_backlog entries: answer 503
  unavailable,  // no connection or an error: answer 503, retry later
  not_durable,  // the server would lose it in a crash: answer 503, retry later
};

struct publish_result {
  publish_outcome outcome = publish_outcome::unavailable;
  std::string entry_id; // published or duplicate
  std::string error;    // unavailable
};

struct stream_settings {
  std::string stream = "nodepulse:metrics:stream";
  int64_t max_backlog = 50'000;
  std::chrono::milliseconds timeout{2000};
  std::chrono::seconds batch_id_ttl{24 * 3600};
  // false (valkey.allow_data_loss): push to a server that is not durable,
  // and only say so (log, /metrics).
  bool require_durable = true;
  std::chrono::milliseconds durability_recheck{10'000};
};

// The server's persistence as last read.
struct durability_status {
  bool known = false; // read at least once on the current connection
  bool durable = false;
  std::string problem; // why not durable, or why it could not be read
};

class stream_client {
public:
  stream_client(address addr, stream_settings settings);
  ~stream_client();
  stream_client(const stream_client&) = delete;
  stream_client& operator=(const stream_client&) = delete;

  // Blocks for at most about two timeouts. Connects on first use and again
  // after any failure.
  publish_result publish(const stream_entry& entry);

  // The same for several entries in one pipeline (one round trip, one
  // fsync on the server): a result for each, in order.
  std::vector<publish_result> publish_all(const std::vector<const stream_entry*>& entries);

  // XLEN of the stream (the digest's backlog); nullopt and `error` set when
  // Valkey cannot be reached. Doubles as the readiness probe.
  std::optional<int64_t> stream_length(std::string& error);

  // Reads the persistence settings now if the connection is new or the
  // last reading is older than durability_recheck; false and `error` set
  // when the server cannot be reached at all.
  bool check_durability(std::string& error);
  const durability_status& durability() const { return durability_; }
  const stream_settings& settings() const { return settings_; }

  bool connected() const { return conn_.connected(); }
  uint64_t connects() const { return conn_.connects(); } // successful (re)connects

private:
  stream_settings settings_;
  connection conn_;
  durability_status durability_;
  uint64_t checked_connection_ = 0; // connects() when last read
  std::chrono::steady_clock::time_point checked_at_{};
};

} // namespace nodepulse::valkey
