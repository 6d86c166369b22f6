// The PUSHER: takes what the buffer keeps and sends it to the ingest, one
// scrape per request, each under an X-Batch-Id that names it for good
// (<server id>:<WAL epoch>:<sequence>): a batch sent twice (an ack lost in
// a crash) is stored once, since ingest and digest drop repeats of an id.
//
// Two lanes. Fresh: a scrape the scrapers just kept goes out at once.
// Replay: everything not yet pushed, oldest first, read back from the
// buffer, at most replay_per_second: after an outage the backlog drains
// steadily while fresh scrapes keep flowing ahead of it, and a fleet
// coming back does not flood its ingest. Acknowledgements to the buffer
// move up to the highest sequence below which all is done.
//
// 2xx: done. 5xx, 429, network errors, and 401/403 (the agent's token or
// certificate is wrong, which an operator fixes; not the batch): retried
// after an exponential backoff with jitter (never less than Retry-After);
// while failing, fresh scrapes stay in the buffer and come through the
// replay lane in order. Other 4xx: logged, counted and dropped (the batch
// itself can never succeed).
//
// Every push also says what the agent dropped itself (X-Agent-Dropped: the
// buffer's caps and recovery, the refused batches), so the digest's loss
// detector can tell those gaps from batches lost after the push. The
// buffer's figures are asked for whenever the backlog is read: its caps
// drop only what waits there.
#pragma once

#include "actors/interfaces.hpp"
#include "lib/agent/http_client.hpp"
#include "lib/agent/legacy_json.hpp"
#include "lib/agent/push_backoff.hpp"
#include "lib/http/agent_drops.hpp"
#include "lib/http/inflate.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace nodepulse {

struct pusher_settings {
  std::string server_id;
  bool legacy_json = false; // server.format: json (lib/agent/legacy_json.hpp)
  http::content_encoding encoding = http::content_encoding::zstd;
  std::string token; // empty: no Authorization header
  // Sends one request (the URL, timeout and TLS are the caller's).
  std::function<agent::http_result(const std::string& body, const agent::header_list& headers)>
    post;
  double replay_per_second = 10; // replay lane: batches per second (also its burst)
  uint32_t replay_take = 16;     // records read from the buffer at a time
  agent::backoff_policy backoff;
  std::function<double()> jitter; // in [0, 1); random if empty
};

struct pusher_state {
  static inline constexpr const char* name = "pusher";
  pusher_settings settings;
  buffer_actor buffer;
  uint64_t epoch = 0;            // of the buffer: 0 until it answered
  http::agent_drops drops;       // the buffer's, as last asked (X-Agent-Dropped)
  uint64_t cursor = 0;           // every sequence up to here is done
  std::set<uint64_t> done_ahead; // done beyond the cursor (fresh lane)
  uint64_t highest_seen = 0;
  std::deque<buffered_scrape> fresh;
  std::deque<buffered_scrape> replay;
  std::shared_ptr<agent::legacy_reporter> legacy = std::make_shared<agent::legacy_reporter>();
  bool replay_needed = true;                            // the buffer may hold what was not pushed
  bool taking = false;                                  // a take request is out
  bool poll_queued = false;                             // a poll in the mailbox
  std::optional<caf::actor_clock::time_point> tick_due; // a tick on its way
  caf::actor_clock::time_point retry_at;
  double tokens = 0;
  caf::actor_clock::time_point tokens_at;
  pusher_status status;
};

pusher_actor::behavior_type pusher(pusher_actor::stateful_pointer<pusher_state> self,
                                   pusher_settings settings, buffer_actor buffer);

// "<server id>:<epoch, 16 hex digits>:<sequence>".
std::string batch_id_of(const std::string& server_id, uint64_t epoch, uint64_t sequence);

} // namespace nodepulse
