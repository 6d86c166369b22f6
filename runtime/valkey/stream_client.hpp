// Publishes stream entries to Valkey (or Redis) over one blocking
// connection, to be owned by a detached actor, never a scheduler thread.
//
// One push is one atomic step on the server (a Lua script): if its batch id
// was seen, the earlier entry id is returned and nothing is written; if the
// stream already holds max_backlog entries, nothing is written; otherwise
// the entry is XADDed and its batch id remembered for batch_id_ttl. So a
// retried batch is stored once and nothing is ever half-written.
#pragma once

#include "runtime/valkey/connection.hpp"
#include "runtime/valkey/stream_codec.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nodepulse::valkey {

enum class publish_outcome {
  published,    // written now
  duplicate,    // written before under this batch id; not written again
  backlog_full, // the stream holds max_backlog entries: answer 503
  unavailable,  // no connection or an error: answer 503, retry later
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

  // XLEN of the stream (the digest's backlog); nullopt and `error` set when
  // Valkey cannot be reached. Doubles as the readiness probe.
  std::optional<int64_t> stream_length(std::string& error);

  bool connected() const { return conn_.connected(); }
  uint64_t connects() const { return conn_.connects(); } // successful (re)connects

private:
  stream_settings settings_;
  connection conn_;
};

} // namespace nodepulse::valkey
