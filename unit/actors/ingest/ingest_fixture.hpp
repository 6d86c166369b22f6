// What the ingest actor suites share: the message types, a scripted Valkey
// behind the real stream publisher, and a way to send an HTTP request to
// the real acceptor (no socket) and collect its reply.
#pragma once

#include "actors/ingest/http_acceptor.hpp"
#include "actors/ingest/ingest_supervisor.hpp"
#include "actors/ingest/parser_pool.hpp"
#include "actors/ingest/stream_publisher.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nodepulse::test {

// Stands in for Valkey: answers with the outcomes a test scripts (published
// when none is scripted), and records what it was asked to write.
struct scripted_valkey {
  std::deque<valkey::publish_result> answers;
  std::vector<valkey::stream_entry> asked;
  bool down = false;    // the length probe fails
  size_t pipelines = 0; // publish calls, each one write of one or more entries

  stream_backend backend(std::shared_ptr<scripted_valkey> self) {
    stream_backend b;
    b.publish = [self](const std::vector<const valkey::stream_entry*>& entries) {
      std::vector<valkey::publish_result> results;
      ++self->pipelines;
      for (const auto* e : entries) {
        self->asked.push_back(*e);
        if (self->answers.empty()) {
          results.push_back(
            {valkey::publish_outcome::published, std::to_string(self->asked.size()) + "-0", ""});
          continue;
        }
        results.push_back(self->answers.front());
        self->answers.pop_front();
      }
      return results;
    };
    b.length = [self](std::string& error) -> std::optional<int64_t> {
      if (self->down) {
        error = "Connection refused";
        return std::nullopt;
      }
      return static_cast<int64_t>(self->asked.size());
    };
    return b;
  }
};

// An HTTP request for the acceptor, with the fields a test usually sets.
inline http::request make_request(std::string method, std::string target, std::string body = "",
                                  std::string content_type = "text/plain") {
  http::request req;
  req.method = std::move(method);
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos)
    req.query = target.substr(q + 1);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  req.received_at_ms = 1700000000000;
  return req;
}

// Replies as the connection would receive them.
using reply_log = std::shared_ptr<std::vector<http::reply>>;

inline http_exchange exchange_into(http::request req, reply_log log) {
  return {std::move(req), [log](http::reply r) { log->push_back(std::move(r)); }};
}

// GET `path` from an actor answering http_exchange (a status endpoint), run
// on the fixture's test scheduler: its one reply.
template <class Fixture, class Handle>
http::reply get_from(Fixture& f, const Handle& target, const std::string& path) {
  auto log = std::make_shared<std::vector<http::reply>>();
  f.self->send(target, http_atom::value, exchange_into(make_request("GET", path), log));
  f.sched.run();
  if (log->size() != 1)
    CAF_FAIL("expected one reply to " << path << ", got " << log->size());
  return log->front();
}

// The ingest supervisor's children as a test runs them: one parser, the
// real publisher in front of `valkey`, an acceptor with `*acceptor` (read
// at each spawn, so a test may change it before a restart).
inline ingest_children scripted_children(std::shared_ptr<scripted_valkey> valkey,
                                         const http_acceptor_settings* acceptor) {
  ingest_children c;
  c.parser_pool = [](caf::local_actor* self) {
    return self->spawn(parser_pool, 1u, parser_settings{});
  };
  c.publisher = [valkey](caf::local_actor* self) {
    return self->spawn(stream_publisher, valkey->backend(valkey));
  };
  c.acceptor = [acceptor](caf::local_actor* self) { return self->spawn(http_acceptor, *acceptor); };
  return c;
}

// A push as an agent sends it over CAF: the plan's example text for
// `server_id` under `batch_id`, not yet stamped (the gateway does that).
inline http::request agent_push(const std::string& server_id, const std::string& batch_id,
                                std::string body) {
  auto req = make_request("POST", "/metrics/prometheus?server_id=" + server_id, std::move(body));
  req.batch_id = batch_id;
  req.received_at_ms = 0;
  return req;
}

} // namespace nodepulse::test
