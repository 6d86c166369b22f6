// Every typed actor interface, atom and message type of Node Pulse, in one
// place: reading this file tells every message in the system.
#pragma once

#include "lib/agent/agent_status.hpp"
#include "lib/digest/digest_status.hpp"
#include "lib/http/message.hpp"
#include "lib/prom/metrics_text.hpp"
#include "lib/valkey/publisher_status.hpp"
#include "lib/wal/buffer_status.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nodepulse::ingest {
class token_registry;
}

namespace nodepulse {

// A tokens file as loaded (lib/ingest/agent_auth.hpp); shared, never changed.
using token_registry_ptr = std::shared_ptr<const ingest::token_registry>;

// -- atoms --------------------------------------------------------------------

using parse_atom = caf::atom_constant<caf::atom("parse")>;
using respawn_atom = caf::atom_constant<caf::atom("respawn")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using http_atom = caf::atom_constant<caf::atom("http")>;
using wire_atom = caf::atom_constant<caf::atom("wire")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using take_atom = caf::atom_constant<caf::atom("take")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using page_atom = caf::atom_constant<caf::atom("page")>;
using discovered_atom = caf::atom_constant<caf::atom("discovered")>;

// -- messages -----------------------------------------------------------------

} // namespace nodepulse

namespace nodepulse::http {

// A push over CAF (server.transport: caf) travels as the HTTP request it
// would have been and is answered with the HTTP reply, so the ingest
// accepts it on exactly the path an HTTP push takes.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request& x) {
  return f(caf::meta::type_name("http_request"), x.method, x.path, x.query, x.authorization,
           x.content_type, x.content_encoding, x.batch_id, x.agent_dropped, x.body,
           x.received_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reply& x) {
  return f(caf::meta::type_name("http_reply"), x.status, x.body, x.content_type, x.retry_after_s,
           x.content_encoding);
}

} // namespace nodepulse::http

namespace nodepulse {

// What a push's body is.
enum class push_kind : uint8_t {
  prometheus,   // POST /metrics/prometheus: text 0.0.4 or OpenMetrics 1.0
  legacy_json,  // POST /metrics: the old agent's JSON report
  remote_write, // POST /api/v1/write: Prometheus remote write 1.0 (snappy protobuf)
};

// One push's body, as the HTTP acceptor received it (maybe compressed:
// inflating is CPU work, so the parser does it, not the acceptor).
struct parse_request {
  push_kind kind = push_kind::prometheus;
  std::string body;
  std::string content_type;     // picks the format; empty: detect from body
  std::string content_encoding; // the header as sent; checked by the acceptor
  int64_t received_at_ms = 0;   // stamps samples without a timestamp
  std::string server_id{};      // remote_write: whose metadata it is
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, parse_request& x) {
  return f(caf::meta::type_name("parse_request"), reinterpret_cast<uint8_t&>(x.kind), x.body,
           x.content_type, x.content_encoding, x.received_at_ms, x.server_id);
}

// What a parser worker made of a push: either the stream payload and its
// counts, or the first error with its HTTP status: 400 with its line and
// column, 413 for a body that inflates beyond the limit.
struct parse_reply {
  bool ok = false;
  uint16_t status = 400; // when !ok
  uint32_t samples = 0;  // accepted into the payload
  uint32_t rejected = 0; // dropped for being too far in the future
  std::string first_rejection;
  uint32_t line = 0; // of the error, or of the first rejected sample
  uint32_t column = 0;
  std::string error;
  std::string payload;   // the stream entry payload (docs/stream-encoding.md)
  std::string server_id; // legacy_json: the report's own server_id
  // remote_write: made from the sender and the decompressed body, so a
  // retried request is the same batch; and what was dropped or taken.
  std::string batch_id;
  uint32_t histograms_dropped = 0;
  uint32_t exemplars_dropped = 0;
  uint32_t metadata = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, parse_reply& x) {
  return f(caf::meta::type_name("parse_reply"), x.ok, x.status, x.samples, x.rejected,
           x.first_rejection, x.line, x.column, x.error, x.payload, x.server_id, x.batch_id,
           x.histograms_dropped, x.exemplars_dropped, x.metadata);
}

// One accepted push, ready for the stream (docs/stream-encoding.md).
struct publish_request {
  std::string batch_id;
  std::string server_id;
  int64_t received_at_ms = 0;
  std::string payload;
  std::string agent_dropped; // normalized X-Agent-Dropped; "" if none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_request& x) {
  return f(caf::meta::type_name("publish_request"), x.batch_id, x.server_id, x.received_at_ms,
           x.payload, x.agent_dropped);
}

// The publisher's answer: stored (now, or before under the same batch id),
// or refused with how long the agent should wait (503 + Retry-After).
struct publish_ack {
  bool stored = false;
  bool duplicate = false;
  uint32_t retry_after_s = 0;
  std::string entry_id;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_ack& x) {
  return f(caf::meta::type_name("publish_ack"), x.stored, x.duplicate, x.retry_after_s, x.entry_id,
           x.error);
}

// The status structs live beside the library they describe (lib/valkey,
// lib/wal, lib/agent, lib/digest); the ones that cross processes are
// inspected here.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publisher_status& x) {
  return f(caf::meta::type_name("publisher_status"), x.reachable, x.backlog, x.published,
           x.duplicates, x.refused_backlog, x.unavailable, x.refused_not_durable, x.error,
           x.durable, x.refusing, x.durability_problem);
}

// Whom a token (by its SHA-256 hex) belongs to, as the database says.
struct token_answer {
  bool reachable = false; // false: no answer; ingest answers 503
  bool found = false;     // a live token of server_id
  std::string server_id;
  std::string error; // why not reachable
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, token_answer& x) {
  return f(caf::meta::type_name("token_answer"), x.reachable, x.found, x.server_id, x.error);
}

// One scrape as the agent keeps it: its text and when it was scraped; the
// buffer's sequence once it is kept (0 before).
struct buffered_scrape {
  uint64_t sequence = 0;
  int64_t time_ms = 0;
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buffered_scrape& x) {
  return f(caf::meta::type_name("buffered_scrape"), x.sequence, x.time_ms, x.text);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buffer_status& x) {
  return f(caf::meta::type_name("buffer_status"), x.durable, x.epoch, x.acknowledged, x.records,
           x.bytes, x.oldest_time_ms, x.dropped_retention, x.dropped_size, x.dropped_through,
           x.truncated_tail, x.skipped_corrupt, x.write_failures);
}

// One HTTP request and the way back to its connection. Local only: the
// reply function cannot cross processes, so this type is never serialized.
struct http_exchange {
  http::request req;
  http::reply_fn done;
};

// The ingest's answer to a push that came through its gateway (caf.listen),
// back to the gateway that holds the pusher's request. Local only.
struct gateway_answer {
  uint64_t id = 0;
  http::reply reply;
};

// -- interfaces ---------------------------------------------------------------

// The PARSER actor (a worker, or the pool in front of the workers): parses a
// push strictly, applies the timestamp policy and encodes the stream payload.
using parser_actor =
  caf::typed_actor<caf::replies_to<parse_atom, parse_request>::with<parse_reply>>;

// The PARSER POOL: a parser_actor in front of N workers; it also takes its
// own timer message to bring a crashed worker back after a backoff.
using parser_pool_actor = parser_actor::extend<caf::reacts_to<respawn_atom, uint32_t>>;

// The STREAM PUBLISHER: writes one entry per accepted push to the Valkey
// stream; blocking, so spawned detached by whoever wires the node.
using publisher_actor =
  caf::typed_actor<caf::replies_to<publish_atom, publish_request>::with<publish_ack>,
                   caf::replies_to<status_atom>::with<publisher_status>,
                   caf::reacts_to<poll_atom>>; // to itself: write what waits

// The TOKEN LOOKUP: asks admiral.agent_tokens whom a token hash belongs to;
// blocking (libpq), so spawned detached by whoever wires the node.
using token_lookup_actor =
  caf::typed_actor<caf::replies_to<lookup_atom, std::string>::with<token_answer>>;

// The HTTP ACCEPTOR: owns the HTTP server; each request arrives as an
// exchange and is answered through it. The supervisor tells it which parser
// pool, publisher and token lookup to use (again after restarting one).
using http_acceptor_actor =
  caf::typed_actor<caf::reacts_to<http_atom, http_exchange>,
                   caf::reacts_to<wire_atom, parser_actor, publisher_actor, token_lookup_actor>,
                   caf::reacts_to<reload_atom, token_registry_ptr>>;

// The INGEST SUPERVISOR: starts the ingest node's actors, restarts a dead
// one after a backoff (its own timer message, naming the child); hands an
// exchange from inside the process (nodepulse dev) to its current acceptor;
// on reload (SIGHUP) reads the tokens file again and gives it to the acceptor.
using ingest_supervisor_actor =
  caf::typed_actor<caf::reacts_to<respawn_atom, uint32_t>, caf::reacts_to<reload_atom>,
                   caf::reacts_to<http_atom, http_exchange>>;

// The INGEST GATEWAY (caf.listen): the one actor an ingest publishes for
// agents with server.transport: caf. Each push is an HTTP request as the
// acceptor would have made of it, answered with the acceptor's reply. On
// the agent's side the INGEST LINK has the same interface: it holds the
// connection to the gateway and stands in for it.
using ingest_gateway_actor =
  caf::typed_actor<caf::replies_to<publish_atom, http::request>::with<http::reply>>;

// The gateway inside its node also takes the acceptor's answers back; an
// agent connects with the narrower ingest_gateway_actor.
using ingest_gateway_front_actor =
  ingest_gateway_actor::extend<caf::reacts_to<http_atom, gateway_answer>>;

// The DB WRITER: reads the stream through the consumer group, writes each
// lot of entries with one COPY in one transaction, acknowledges after the
// commit. Blocking (hiredis, libpq), so spawned detached; its own poll
// message drives it.
using db_writer_actor =
  caf::typed_actor<caf::reacts_to<poll_atom>, caf::replies_to<status_atom>::with<writer_status>>;

// The BUFFER: keeps every scrape (the WAL in buffer.path, or a bounded
// queue in memory) until the pusher acknowledges it; drops by retention and
// size on its own timer. Blocking file I/O, so spawned detached.
using buffer_actor = caf::typed_actor<
  caf::replies_to<append_atom, buffered_scrape>::with<uint64_t>,
  caf::replies_to<take_atom, uint64_t, uint32_t>::with<std::vector<buffered_scrape>>,
  caf::reacts_to<ack_atom, uint64_t>, caf::reacts_to<tick_atom>,
  caf::replies_to<status_atom>::with<buffer_status>>;

// The PUSHER: sends each buffered scrape to the ingest (oldest first, fresh
// scrapes ahead of a replayed backlog), acknowledges it in the buffer after
// a 2xx, backs off on failures. Blocking HTTP, so spawned detached; its own
// poll (work now) and tick (work later) messages drive it, and each scraper
// hands it what it just kept.
using pusher_actor =
  caf::typed_actor<caf::reacts_to<publish_atom, buffered_scrape>, caf::reacts_to<poll_atom>,
                   caf::reacts_to<tick_atom>, caf::replies_to<status_atom>::with<pusher_status>>;

// A SCRAPER: one per endpoint; scrapes on its own timer (poll), appends to
// the buffer, hands the kept scrape to the pusher it was last wired to.
// Blocking HTTP, so spawned detached.
using scraper_actor =
  caf::typed_actor<caf::reacts_to<poll_atom>, caf::reacts_to<wire_atom, pusher_actor>,
                   caf::replies_to<status_atom>::with<scraper_status>>;

// The AGENT SUPERVISOR: starts the buffer, the pusher and a scraper per
// endpoint; restarts a dead pusher or scraper after a backoff (its own
// timer message, naming the child); reloads the endpoints (SIGHUP); starts
// and stops the scrapers of discovered exporters (discovered: candidate
// index, answering or not); serves /healthz, /readyz and /metrics.
using agent_supervisor_actor =
  caf::typed_actor<caf::reacts_to<respawn_atom, uint32_t>, caf::reacts_to<reload_atom>,
                   caf::reacts_to<discovered_atom, uint32_t, bool>,
                   caf::reacts_to<http_atom, http_exchange>>;

// The DISCOVERER (scrapers.discover): probes the candidate loopback ports on
// its own timer (poll) and tells the supervisor which answer and which no
// longer do. Blocking HTTP, so spawned detached.
using discoverer_actor =
  caf::typed_actor<caf::reacts_to<poll_atom>, caf::replies_to<status_atom>::with<discovery_status>>;

// The LOSS DETECTOR: on its own timer, one pass of the detection in
// PostgreSQL (gaps in the batch sequences of each agent WAL epoch); logs
// and counts what it finds. Blocking (libpq): spawned detached.
using loss_detector_actor =
  caf::typed_actor<caf::reacts_to<poll_atom>, caf::replies_to<status_atom>::with<loss_status>>;

// The digest's compactor: poll (to itself) starts a run, tick takes its
// next step.
using compactor_actor = caf::typed_actor<caf::reacts_to<poll_atom>, caf::reacts_to<tick_atom>,
                                         caf::replies_to<status_atom>::with<compaction_status>>;

// A QUERY WORKER: answers one request from PostgreSQL with the whole HTTP
// reply: read, a remote read request's body (snappy protobuf); page, a GET
// of the web page's JSON endpoints (path, query string). Blocking (libpq):
// spawned detached.
using query_worker_actor =
  caf::typed_actor<caf::replies_to<read_atom, std::string>::with<http::reply>,
                   caf::replies_to<page_atom, std::string, std::string>::with<http::reply>>;

// The QUERY SERVER: the remote read endpoint on query.listen; checks the
// token, hands each request to a free worker of its pool, restarts a dead
// worker after a backoff, and reports its figures.
using query_server_actor =
  caf::typed_actor<caf::reacts_to<respawn_atom, uint32_t>, caf::reacts_to<http_atom, http_exchange>,
                   caf::replies_to<status_atom>::with<query_status>>;

// The DIGEST SUPERVISOR: starts the DB writers, restarts one after a backoff
// when it dies (its own timer message, naming the slot), and answers the
// status endpoint (/healthz, /readyz, /metrics).
using digest_supervisor_actor = caf::typed_actor<caf::reacts_to<respawn_atom, uint32_t>,
                                                 caf::reacts_to<http_atom, http_exchange>>;

} // namespace nodepulse

CAF_BEGIN_TYPE_ID_BLOCK(nodepulse, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::parse_request))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::parse_reply))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::publish_request))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::publish_ack))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::publisher_status))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::token_answer))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::buffered_scrape))
CAF_ADD_TYPE_ID(nodepulse, (std::vector<nodepulse::buffered_scrape>))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::buffer_status))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::http::request))
CAF_ADD_TYPE_ID(nodepulse, (nodepulse::http::reply))
CAF_END_TYPE_ID_BLOCK(nodepulse)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::http_exchange)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::gateway_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::writer_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::loss_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::query_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::compaction_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::scraper_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::pusher_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::discovery_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nodepulse::token_registry_ptr)
