#include "actors/ingest/http_acceptor.hpp"

#include "actors/http_forwarding.hpp"
#include "lib/http/agent_drops.hpp"
#include "lib/http/inflate.hpp"
#include "lib/ingest/responses.hpp"
#include "lib/text/ascii.hpp"

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <cstdio>

namespace nodepulse {

namespace {

using self_ptr = http_acceptor_actor::stateful_pointer<http_acceptor_state>;
using steady = std::chrono::steady_clock;

constexpr uint32_t dependency_retry_after_s = 1;
constexpr uint32_t unknown_token_retry_after_s = 5;

constexpr std::string_view remote_write_path = "/api/v1/write";

void respond(http_exchange& ex, const ingest::response& r, uint32_t retry_after_s = 0) {
  http::reply rep;
  rep.status = r.status;
  rep.body = r.body;
  if (ex.req.path == remote_write_path && r.status == 200) {
    rep.status = 204; // a success has nothing to say
    rep.body.clear();
  } else if (ex.req.path == remote_write_path && r.status >= 400) {
    // Remote write senders log the text of an error as it is.
    rep.content_type = "text/plain; charset=utf-8";
    rep.body = r.message + "\n";
  }
  rep.retry_after_s = retry_after_s;
  ex.done(std::move(rep));
}

void respond_unavailable(self_ptr self, http_exchange& ex, const std::string& why,
                         uint32_t retry_after_s = dependency_retry_after_s) {
  ++self->state.counters.unavailable_answers;
  respond(ex, ingest::error_response(503, why), retry_after_s);
}

bool is_text_exposition(std::string_view content_type) {
  auto t = text::trim(content_type);
  return t.empty() || text::istarts_with(t, "text/plain")
         || text::istarts_with(t, "application/openmetrics-text");
}

// Remote write 1.0 is application/x-protobuf with no proto parameter, or
// proto=prometheus.WriteRequest; 2.0 names io.prometheus.write.v2.Request.
std::string remote_write_content_problem(std::string_view content_type) {
  auto t = text::trim(content_type);
  if (!text::istarts_with(t, "application/x-protobuf"))
    return "Content-Type must be application/x-protobuf (Prometheus remote write 1.0)";
  auto proto = t.find("proto=");
  if (proto == std::string_view::npos)
    return {};
  auto message = text::trim(t.substr(proto + 6));
  message = message.substr(0, message.find(';'));
  if (message == "prometheus.WriteRequest")
    return {};
  return "remote write message '" + std::string{message.substr(0, 64)}
         + "' is not supported: this endpoint speaks remote write 1.0 "
           "(prometheus.WriteRequest; set protobuf_message: prometheus.WriteRequest)";
}

bool is_json(std::string_view content_type) {
  auto t = text::trim(content_type);
  return t.empty() || text::istarts_with(t, "application/json");
}

std::string new_batch_id(std::mt19937_64& rng) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "ingest-%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// Step 3 of a push: the publisher stores it, or says why not.
void publish(self_ptr self, http_exchange ex, std::string batch_id, std::string server_id,
             parse_reply parsed) {
  auto& st = self->state;
  if (!st.publisher)
    return respond_unavailable(self, ex, "the stream publisher is restarting; retry later");
  publish_request req{std::move(batch_id), std::move(server_id), ex.req.received_at_ms,
                      std::move(parsed.payload), std::move(ex.req.agent_dropped)};
  auto started = steady::now();
  self->request(st.publisher, st.settings.publish_timeout, publish_atom::value, std::move(req))
    .then(
      [self, ex, started, parsed](publish_ack& ack) mutable {
        auto& c = self->state.counters;
        c.publish_latency.observe(std::chrono::duration<double>(steady::now() - started).count());
        if (!ack.stored) {
          ++c.unavailable_answers;
          return respond(ex, ingest::error_response(503, ack.error), ack.retry_after_s);
        }
        c.samples_accepted += parsed.samples;
        c.samples_rejected += parsed.rejected;
        if (ack.duplicate)
          ++c.duplicate_batches;
        respond(ex, ingest::success_response(parsed.samples, parsed.rejected,
                                             parsed.first_rejection, parsed.line));
      },
      [self, ex](caf::error& err) mutable {
        respond_unavailable(self, ex,
                            "the stream publisher did not answer: " + self->system().render(err));
      });
}

// Step 2 of a push: the parser pool inflates and parses it.
void parse(self_ptr self, http_exchange ex, push_kind kind, std::string batch_id,
           std::string server_id) {
  auto& st = self->state;
  if (!st.parser)
    return respond_unavailable(self, ex, "the parser pool is restarting; retry later");
  parse_request req{kind,
                    std::move(ex.req.body),
                    std::move(ex.req.content_type),
                    std::move(ex.req.content_encoding),
                    ex.req.received_at_ms,
                    kind == push_kind::remote_write ? server_id : std::string{}};
  self->request(st.parser, st.settings.parse_timeout, parse_atom::value, std::move(req))
    .then(
      [self, ex, kind, batch_id, server_id](parse_reply& parsed) mutable {
        auto& st = self->state;
        if (!parsed.ok) {
          if (parsed.status == 400)
            ++st.counters.parse_errors;
          if ((parsed.status == 400 || parsed.status == 413) && parsed.line > 0)
            return respond(ex, ingest::parse_error_response(parsed.line, parsed.column,
                                                            parsed.error, parsed.status));
          return respond(ex, ingest::error_response(parsed.status, parsed.error));
        }
        if (kind == push_kind::legacy_json) {
          // The report names its server; a token may push only as its own.
          if (!st.settings.token_mode) {
            if (!ingest::valid_uuid(parsed.server_id))
              return respond(ex, ingest::error_response(400, "server_id '"
                                                               + parsed.server_id.substr(0, 64)
                                                               + "' is not a UUID"));
            server_id = parsed.server_id;
          } else if (parsed.server_id != server_id) {
            return respond(
              ex, ingest::error_response(403, "this token may push only as server " + server_id));
          }
        }
        if (kind == push_kind::remote_write) {
          auto& c = st.counters;
          c.remote_write_metadata += parsed.metadata;
          c.remote_write_histograms_dropped += parsed.histograms_dropped;
          c.remote_write_exemplars_dropped += parsed.exemplars_dropped;
          batch_id = std::move(parsed.batch_id);
        }
        if (parsed.samples == 0) // nothing to store: no empty stream entry
          return respond(
            ex, ingest::success_response(0, parsed.rejected, parsed.first_rejection, parsed.line));
        publish(self, std::move(ex), std::move(batch_id), std::move(server_id), std::move(parsed));
      },
      [self, ex](caf::error& err) mutable {
        respond_unavailable(self, ex,
                            "the parser pool did not answer: " + self->system().render(err));
      });
}

void ask_token_database(self_ptr self, http_exchange ex, push_kind kind, std::string batch_id,
                        std::string token_hash);

int64_t clock_ms(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

// Step 1b of a push: who sends it. With tokens in the database, a token not
// in the cache is looked up first and this step runs again with the answer
// (`fresh`), which is also cached, found or not.
void authenticate(self_ptr self, http_exchange ex, push_kind kind, std::string batch_id,
                  std::optional<std::pair<std::string, token_answer>> fresh) {
  auto& st = self->state;
  auto& req = ex.req;
  bool legacy = kind == push_kind::legacy_json;
  std::string server_id;
  if (!legacy || st.settings.token_mode) {
    // The legacy report carries its own server_id: without tokens there is
    // nothing to check before parsing.
    std::string ask_database; // the hash of a token the cache does not know
    auto lookup = [&](std::string_view token) -> std::optional<std::string> {
      if (st.settings.tokens)
        return st.settings.tokens->server_of(token);
      if (!st.settings.token_database)
        return std::nullopt;
      auto hash = ingest::hash_token(token);
      if (fresh && fresh->first == hash)
        return fresh->second.found ? std::optional<std::string>{fresh->second.server_id}
                                   : std::nullopt;
      if (auto cached = st.token_cache.find(hash, clock_ms(self)))
        return *cached;
      ask_database = std::move(hash);
      return std::nullopt;
    };
    auto decision = ingest::authorize(st.settings.token_mode, req.authorization,
                                      http::query_param(req.query, "server_id"), lookup);
    if (!ask_database.empty())
      return ask_token_database(self, std::move(ex), kind, std::move(batch_id),
                                std::move(ask_database));
    if (decision.status != 200)
      return respond(ex, ingest::error_response(decision.status, decision.error));
    server_id = std::move(decision.server_id);
  }
  if (ex.req.head_only) // admitted on its header: the server reads the body now
    return respond(ex, {http::admit_status, ""});
  parse(self, std::move(ex), kind, std::move(batch_id), std::move(server_id));
}

void ask_token_database(self_ptr self, http_exchange ex, push_kind kind, std::string batch_id,
                        std::string token_hash) {
  auto& st = self->state;
  if (!st.token_db)
    return respond_unavailable(self, ex, "the token database lookup is restarting; retry later");
  if (!st.token_misses.allows(ex.req.peer, clock_ms(self))) {
    ++st.counters.token_lookups_limited;
    return respond(ex,
                   ingest::error_response(429, "too many unknown tokens from this address; "
                                               "retry later"),
                   unknown_token_retry_after_s);
  }
  self->request(st.token_db, std::chrono::seconds{10}, lookup_atom::value, token_hash)
    .then(
      [self, ex, kind, batch_id, token_hash](token_answer& answer) mutable {
        if (!answer.reachable) // the details (host, port) are in token_lookup's log line
          return respond_unavailable(self, ex,
                                     "cannot check the token: the token database "
                                     "is unreachable");
        if (!answer.found)
          self->state.token_misses.missed(ex.req.peer, clock_ms(self));
        self->state.token_cache.put(
          token_hash, answer.found ? std::optional<std::string>{answer.server_id} : std::nullopt,
          clock_ms(self));
        authenticate(self, std::move(ex), kind, std::move(batch_id),
                     std::make_pair(std::move(token_hash), std::move(answer)));
      },
      [self, ex](caf::error& err) mutable {
        respond_unavailable(self, ex,
                            "the token database did not answer: " + self->system().render(err));
      });
}

// Step 1 of a push: what the acceptor can refuse by itself.
void handle_push(self_ptr self, http_exchange ex, push_kind kind) {
  auto& st = self->state;
  auto& req = ex.req;
  bool legacy = kind == push_kind::legacy_json;
  bool remote = kind == push_kind::remote_write;
  if (!req.head_only) // a push is counted once, when whole
    ++(legacy   ? st.counters.pushes_legacy
       : remote ? st.counters.pushes_remote_write
                : st.counters.pushes_prometheus);
  if (remote) {
    auto problem = remote_write_content_problem(req.content_type);
    if (!problem.empty())
      return respond(ex, ingest::error_response(415, problem));
    if (!text::iequals(text::trim(req.content_encoding), "snappy"))
      return respond(
        ex, ingest::error_response(415, "Content-Encoding must be snappy (remote write 1.0), not '"
                                          + req.content_encoding.substr(0, 64) + "'"));
  } else if (legacy ? !is_json(req.content_type) : !is_text_exposition(req.content_type)) {
    return respond(
      ex, ingest::error_response(415, legacy ? "Content-Type must be application/json"
                                             : "Content-Type must be text/plain (format 0.0.4) "
                                               "or application/openmetrics-text"));
  }
  if (!remote && !http::parse_content_encoding(req.content_encoding))
    return respond(ex, ingest::error_response(415, "unsupported Content-Encoding '"
                                                     + req.content_encoding.substr(0, 64)
                                                     + "' (use gzip, zstd or none)"));
  // The HTTP server stops reading at this limit; a push over CAF arrives
  // whole, and is held to the same one here.
  if (req.body.size() > st.settings.server.max_body_bytes)
    return respond(ex, ingest::error_response(
                         413, "request body is larger than limits.max_body_bytes ("
                                + std::to_string(st.settings.server.max_body_bytes) + " bytes)"));
  if (!req.batch_id.empty() && !valid_batch_id(req.batch_id))
    return respond(
      ex, ingest::error_response(400, "X-Batch-Id must be 1 to 128 characters of [A-Za-z0-9._:-]"));
  if (!req.agent_dropped.empty()) {
    http::agent_drops drops;
    std::string why;
    if (req.agent_dropped.size() > 256)
      why = "longer than 256 characters";
    else if (!http::parse_agent_drops(req.agent_dropped, drops, why))
      why += " in '" + req.agent_dropped + "'";
    if (!why.empty())
      return respond(ex, ingest::error_response(400, "X-Agent-Dropped: " + why));
    req.agent_dropped = http::format_agent_drops(drops); // the stream carries one form
  }
  std::string batch_id = req.batch_id.empty() ? new_batch_id(st.batch_ids) : req.batch_id;
  authenticate(self, std::move(ex), kind, std::move(batch_id), std::nullopt);
}

// GET /readyz and GET /metrics both need the publisher's view of Valkey.
template <class F>
void with_stream_status(self_ptr self, F f) {
  if (!self->state.publisher) {
    publisher_status down;
    down.error = "the stream publisher is restarting";
    return f(down);
  }
  self->request(self->state.publisher, std::chrono::seconds{5}, status_atom::value)
    .then([f](publisher_status& s) mutable { f(s); },
          [self, f](caf::error& err) mutable {
            publisher_status down;
            down.error = "the stream publisher did not answer: " + self->system().render(err);
            f(down);
          });
}

void handle_get(self_ptr self, http_exchange ex) {
  const auto& path = ex.req.path;
  if (path == "/healthz")
    return respond(ex, {200, R"({"status":"ok"})"});
  if (path == "/readyz")
    return with_stream_status(self, [self, ex](publisher_status& s) mutable {
      if (!self->state.parser)
        return respond(ex, ingest::error_response(503, "the parser pool is restarting"));
      if (!s.reachable)
        return respond(ex, ingest::error_response(503, "Valkey is unreachable: " + s.error));
      if (s.refusing)
        return respond(ex, ingest::error_response(
                             503, "Valkey does not keep acknowledged pushes through a crash: "
                                    + s.durability_problem + "; pushes are refused until it does"));
      respond(ex, {200, R"({"status":"ready"})"});
    });
  // GET /metrics
  with_stream_status(self, [self, ex](publisher_status& s) mutable {
    auto& st = self->state;
    ingest::stream_figures stream{s.reachable, s.backlog, s.published, s.durable,
                                  s.refused_not_durable};
    http::reply rep;
    rep.content_type = "text/plain; version=0.0.4; charset=utf-8";
    rep.body =
      ingest::render_self_metrics(st.counters, st.server ? &st.server->stats() : nullptr, stream);
    if (st.settings.extra_metrics)
      rep.body += st.settings.extra_metrics();
    ex.done(std::move(rep));
  });
}

void route(self_ptr self, http_exchange ex) {
  const auto& path = ex.req.path;
  const auto& method = ex.req.method;
  bool push_path = path == "/metrics/prometheus" || path == "/metrics" || path == remote_write_path;
  bool get_path = path == "/healthz" || path == "/readyz" || path == "/metrics";
  if (method == "POST" && push_path) {
    // Decided before `ex` is moved from: `path` refers into it.
    auto kind = path == "/metrics"          ? push_kind::legacy_json
                : path == remote_write_path ? push_kind::remote_write
                                            : push_kind::prometheus;
    return handle_push(self, std::move(ex), kind);
  }
  if ((method == "GET" || method == "HEAD") && get_path) // the server sends HEAD no body
    return handle_get(self, std::move(ex));
  if (push_path || get_path)
    return respond(ex, ingest::error_response(405, "method " + method.substr(0, 16)
                                                     + " is not allowed on " + path));
  respond(ex, ingest::error_response(404, "no such endpoint: " + path.substr(0, 128)));
}

} // namespace

bool valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
              || c == '_' || c == ':' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

http_acceptor_actor::behavior_type
http_acceptor(http_acceptor_actor::stateful_pointer<http_acceptor_state> self,
              http_acceptor_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.token_cache = ingest::token_cache{st.settings.token_cache_ttl_ms, st.settings.token_cache_max};
  st.token_misses = ingest::address_miss_limiter{st.settings.unknown_token_rate,
                                                 st.settings.unknown_token_burst, 10'000};
  if (st.settings.serve) {
    http::reply gone;
    gone.status = 503;
    gone.body = R"({"status":"error","error":"ingest is shutting down"})";
    gone.retry_after_s = dependency_retry_after_s;
    auto handler = forward_http_to<http_acceptor_actor>(self->address(), gone);
    std::string error;
    st.server = http::server::start(st.settings.server, std::move(handler), error);
    if (!st.server)
      self->quit(caf::make_error(caf::sec::cannot_open_port, error));
    if (st.server && st.settings.status_server) {
      auto forward = forward_http_to<http_acceptor_actor>(self->address(), std::move(gone));
      auto status_only = [forward](http::request&& req, http::reply_fn done) {
        const auto& p = req.path;
        if (p != "/healthz" && p != "/readyz" && p != "/metrics")
          return done({404, R"({"status":"error","error":"this listener serves /healthz, )"
                            R"(/readyz and /metrics only"})"});
        if (req.method != "GET" && req.method != "HEAD")
          return done({405, R"({"status":"error","error":"only GET and HEAD here"})"});
        forward(std::move(req), std::move(done));
      };
      st.status_server = http::server::start(*st.settings.status_server, status_only, error);
      if (!st.status_server)
        self->quit(caf::make_error(caf::sec::cannot_open_port, "status.listen: " + error));
    }
  }
  return {
    [self](http_atom, http_exchange& ex) { route(self, std::move(ex)); },
    [self](wire_atom, parser_actor parser, publisher_actor publisher, token_lookup_actor token_db) {
      self->state.parser = std::move(parser);
      self->state.publisher = std::move(publisher);
      self->state.token_db = std::move(token_db);
    },
    [self](reload_atom, token_registry_ptr tokens) {
      self->state.settings.tokens = std::move(tokens);
    },
  };
}

} // namespace nodepulse
