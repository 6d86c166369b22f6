#define CAF_SUITE actors.ingest.http_acceptor
#include "unit/test_support.hpp"

#include "actors/ingest/http_acceptor.hpp"
#include "actors/ingest/token_lookup.hpp"
#include "lib/prom/sample_batch.hpp"
#include "lib/valkey/stream_codec.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"
#include "unit/support/compress.hpp"
#include "unit/support/plan_example.hpp"

#include <chrono>
#include <map>

using namespace nodepulse;
using test::gzip;
using test::make_request;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
constexpr const char* server_b = "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

// The real acceptor (no socket), the real parser pool, and the real
// publisher in front of a scripted Valkey, all on the deterministic scheduler.
struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<test::scripted_valkey> valkey = std::make_shared<test::scripted_valkey>();
  parser_pool_actor pool;
  publisher_actor publisher;
  http_acceptor_actor acceptor;
  token_lookup_actor token_db;
  // The database behind token_db: token hash -> server; `down` fails lookups.
  struct fake_tokens {
    std::map<std::string, std::string> servers;
    bool down = false;
    int lookups = 0;
  };
  std::shared_ptr<fake_tokens> tokens_in_db = std::make_shared<fake_tokens>();

  void start(http_acceptor_settings settings = {}, parser_settings parsing = {}) {
    settings.serve = false;
    pool = sys.spawn(parser_pool, 2u, parsing);
    publisher = sys.spawn(stream_publisher, valkey->backend(valkey));
    if (settings.token_database)
      token_db = sys.spawn(token_lookup, [db = tokens_in_db](const std::string& hash) {
        ++db->lookups;
        token_answer a;
        a.reachable = !db->down;
        a.error = db->down ? "connection refused" : "";
        auto i = db->servers.find(hash);
        a.found = a.reachable && i != db->servers.end();
        a.server_id = a.found ? i->second : "";
        return a;
      });
    acceptor = sys.spawn(http_acceptor, settings);
    self->send(acceptor, wire_atom::value, caf::actor_cast<parser_actor>(pool), publisher,
               token_db);
    sched.run();
  }

  ~fixture() {
    for (auto hdl : {caf::actor_cast<caf::actor>(acceptor), caf::actor_cast<caf::actor>(pool),
                     caf::actor_cast<caf::actor>(publisher), caf::actor_cast<caf::actor>(token_db)})
      if (hdl)
        caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
    sched.run();
  }

  http_acceptor_state& state() {
    return deref<http_acceptor_actor::stateful_base<http_acceptor_state>>(acceptor).state;
  }

  http::reply send(http::request req) {
    auto log = std::make_shared<std::vector<http::reply>>();
    self->send(acceptor, http_atom::value, test::exchange_into(std::move(req), log));
    sched.run();
    if (log->size() != 1)
      CAF_FAIL("expected exactly one reply, got " << log->size());
    return log->front();
  }

  // Token mode with a tokens file holding one token, "s3cret", of server_a.
  static http_acceptor_settings tokens_file_settings() {
    auto tokens = std::make_shared<ingest::token_registry>();
    if (!tokens->load(std::string{server_a} + " " + ingest::hash_token("s3cret") + "\n").empty())
      CAF_FAIL("tokens file rejected");
    http_acceptor_settings settings;
    settings.token_mode = true;
    settings.tokens = std::move(tokens);
    return settings;
  }

  http::reply push(std::string body, std::string query = std::string{"server_id="} + server_a) {
    return send(make_request("POST", "/metrics/prometheus?" + query, std::move(body)));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_acceptor_tests, fixture)

CAF_TEST(the plan example is accepted with its four samples and stored once) {
  start();
  auto rep = push(test::plan_example_body);
  CAF_CHECK_EQUAL(rep.status, 200);
  CAF_CHECK_EQUAL(rep.body, R"({"status":"success","metrics_received":4})");
  CAF_CHECK_EQUAL(rep.content_type, "application/json");
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  const auto& entry = valkey->asked[0];
  CAF_CHECK_EQUAL(entry.server_id, server_a);
  CAF_CHECK_EQUAL(entry.received_at_ms, 1700000000000);
  CAF_CHECK(!entry.batch_id.empty()); // generated: no X-Batch-Id was sent
  prom::sample_batch decoded;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(entry.payload, entry.received_at_ms, decoded, scratch),
                    "");
  CAF_CHECK_EQUAL(decoded.samples.size(), 4u);
  CAF_CHECK_EQUAL(state().counters.samples_accepted, 4u);
}

CAF_TEST(the agent batch id goes to the stream and a retry is acknowledged again) {
  start();
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                          test::plan_example_body);
  req.batch_id = "agent-1:42";
  valkey->answers.push_back({valkey::publish_outcome::published, "1-0", ""});
  valkey->answers.push_back({valkey::publish_outcome::duplicate, "1-0", ""});
  CAF_CHECK_EQUAL(send(req).status, 200);
  auto again = send(req);
  CAF_CHECK_EQUAL(again.status, 200);
  CAF_CHECK_EQUAL(again.body, R"({"status":"success","metrics_received":4})");
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 2u);
  CAF_CHECK_EQUAL(valkey->asked[0].batch_id, "agent-1:42");
  CAF_CHECK_EQUAL(valkey->asked[1].batch_id, "agent-1:42");
  CAF_CHECK_EQUAL(state().counters.duplicate_batches, 1u);
}

CAF_TEST(generated batch ids differ from push to push) {
  start();
  push(test::plan_example_body);
  push(test::plan_example_body);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 2u);
  CAF_CHECK_NOT_EQUAL(valkey->asked[0].batch_id, valkey->asked[1].batch_id);
}

CAF_TEST(a malformed body is a 400 with line and column and nothing is stored) {
  start();
  auto rep = push("ok 1\nbad{x=\"1\" 2\n");
  CAF_CHECK_EQUAL(rep.status, 400);
  CAF_CHECK_EQUAL(
    rep.body,
    R"({"status":"error","error":"expected ',' or '}' after label 'x', got '2'","line":2,"column":11})");
  CAF_CHECK(valkey->asked.empty());
  CAF_CHECK_EQUAL(state().counters.parse_errors, 1u);
}

CAF_TEST(server ids are checked without auth) {
  start();
  auto missing = push(test::plan_example_body, "");
  CAF_CHECK_EQUAL(missing.status, 400);
  CAF_CHECK_EQUAL(missing.body,
                  R"({"status":"error","error":"missing server_id query parameter"})");
  auto bad = push(test::plan_example_body, "server_id=web-1");
  CAF_CHECK_EQUAL(bad.status, 400);
  CAF_CHECK_EQUAL(bad.body, R"({"status":"error","error":"server_id 'web-1' is not a UUID"})");
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(token mode: 401 without or with an unknown token and 403 for another server) {
  start(tokens_file_settings());
  auto req = make_request("POST", "/metrics/prometheus", test::plan_example_body);
  auto none = send(req);
  CAF_CHECK_EQUAL(none.status, 401);
  CAF_CHECK_EQUAL(none.body, R"({"status":"error","error":"missing Authorization: Bearer token"})");
  req.authorization = "Bearer wrong";
  CAF_CHECK_EQUAL(send(req).status, 401);
  req.authorization = "Bearer s3cret";
  req.query = std::string{"server_id="} + server_b;
  auto other = send(req);
  CAF_CHECK_EQUAL(other.status, 403);
  CAF_CHECK_EQUAL(other.body,
                  std::string{R"({"status":"error","error":"this token may push only as server )"}
                    + server_a + "\"}");
  CAF_CHECK(valkey->asked.empty());
  req.query.clear(); // the token names the server
  CAF_CHECK_EQUAL(send(req).status, 200);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].server_id, server_a);
}

CAF_TEST(tokens in the database are looked up once and cached for the ttl) {
  tokens_in_db->servers[ingest::hash_token("s3cret")] = server_a;
  http_acceptor_settings settings;
  settings.token_mode = true;
  settings.token_database = true;
  settings.token_cache_ttl_ms = 60'000;
  start(settings);
  auto req = make_request("POST", "/metrics/prometheus", test::plan_example_body);
  req.authorization = "Bearer s3cret";
  CAF_CHECK_EQUAL(send(req).status, 200);
  CAF_CHECK_EQUAL(send(req).status, 200);
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 1);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 2u);
  CAF_CHECK_EQUAL(valkey->asked[1].server_id, server_a);
  // Another server's id with this token: 403, from the cache.
  req.query = std::string{"server_id="} + server_b;
  CAF_CHECK_EQUAL(send(req).status, 403);
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 1);
  // Revoked in the database: still accepted until the cached answer expires.
  tokens_in_db->servers.clear();
  req.query.clear();
  CAF_CHECK_EQUAL(send(req).status, 200);
  sched.clock().advance_time(std::chrono::seconds{61});
  CAF_CHECK_EQUAL(send(req).status, 401);
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 2);
  // Unknown tokens are cached too: a bad agent does not hammer the database.
  req.authorization = "Bearer nope";
  CAF_CHECK_EQUAL(send(req).status, 401);
  CAF_CHECK_EQUAL(send(req).status, 401);
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 3);
}

CAF_TEST(an address sending unknown tokens is answered 429 without asking the database) {
  tokens_in_db->servers[ingest::hash_token("s3cret")] = server_a;
  http_acceptor_settings settings;
  settings.token_mode = true;
  settings.token_database = true;
  settings.unknown_token_rate = 1;
  settings.unknown_token_burst = 3;
  start(settings);
  auto req = make_request("POST", "/metrics/prometheus", test::plan_example_body);
  req.peer = "192.0.2.7";
  std::vector<int> answers;
  for (int i = 0; i < 6; ++i) {
    req.authorization = "Bearer random-" + std::to_string(i);
    answers.push_back(send(req).status);
  }
  CAF_CHECK_EQUAL(answers, (std::vector<int>{401, 401, 401, 429, 429, 429}));
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 3);
  CAF_CHECK_EQUAL(state().counters.token_lookups_limited, 3u);
  // Another address, and a known token from any address, go on.
  req.peer = "192.0.2.8";
  CAF_CHECK_EQUAL(send(req).status, 401);
  req.peer = "192.0.2.7";
  req.authorization = "Bearer s3cret";
  CAF_CHECK_EQUAL(send(req).status, 429); // not cached yet: a lookup, which waits
  sched.clock().advance_time(std::chrono::seconds{1});
  CAF_CHECK_EQUAL(send(req).status, 200); // a second refills one lookup
  CAF_CHECK_EQUAL(send(req).status, 200); // cached now
}

CAF_TEST(an unreachable token database is 503 and nothing is cached) {
  tokens_in_db->servers[ingest::hash_token("s3cret")] = server_a;
  tokens_in_db->down = true;
  http_acceptor_settings settings;
  settings.token_mode = true;
  settings.token_database = true;
  start(settings);
  auto req = make_request("POST", "/metrics/prometheus", test::plan_example_body);
  req.authorization = "Bearer s3cret";
  auto down = send(req);
  CAF_CHECK_EQUAL(down.status, 503);
  CAF_CHECK_EQUAL(down.retry_after_s, 1u);
  // What failed is for the log: the client learns no host or port.
  CAF_CHECK_EQUAL(down.body, R"({"status":"error","error":"cannot check the token: the token )"
                             R"(database is unreachable"})");
  tokens_in_db->down = false;
  CAF_CHECK_EQUAL(send(req).status, 200);
  CAF_CHECK_EQUAL(tokens_in_db->lookups, 2);
  CAF_CHECK(valkey->asked.size() == 1u);
}

CAF_TEST(unsupported content types and encodings are 415) {
  start();
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                          test::plan_example_body, "application/x-www-form-urlencoded");
  auto type = send(req);
  CAF_CHECK_EQUAL(type.status, 415);
  CAF_CHECK_EQUAL(
    type.body,
    R"j({"status":"error","error":"Content-Type must be text/plain (format 0.0.4) or application/openmetrics-text"})j");
  req.content_type = "text/plain; version=0.0.4";
  req.content_encoding = "br";
  auto coding = send(req);
  CAF_CHECK_EQUAL(coding.status, 415);
  CAF_CHECK_EQUAL(
    coding.body,
    R"j({"status":"error","error":"unsupported Content-Encoding 'br' (use gzip, zstd or none)"})j");
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(a gzip body is inflated and a compression bomb is 413) {
  parser_settings parsing;
  parsing.max_inflated_bytes = 64 * 1024;
  start({}, parsing);
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                          gzip(test::plan_example_body));
  req.content_encoding = "gzip";
  auto ok = send(req);
  CAF_CHECK_EQUAL(ok.status, 200);
  CAF_CHECK_EQUAL(ok.body, R"({"status":"success","metrics_received":4})");
  std::string huge = "# " + std::string(1024 * 1024, 'x') + "\n"; // a comment: valid text
  req.body = gzip(huge);
  CAF_CHECK_LESS(req.body.size(), 8192u);
  auto bomb = send(req);
  CAF_CHECK_EQUAL(bomb.status, 413);
  CAF_CHECK_EQUAL(
    bomb.body,
    R"j({"status":"error","error":"body inflates to more than limits.max_inflated_bytes (65536 bytes)"})j");
  req.body = "definitely not gzip";
  CAF_CHECK_EQUAL(send(req).status, 400);
  CAF_CHECK_EQUAL(valkey->asked.size(), 1u);
}

CAF_TEST(more samples than max_samples_per_push is 413) {
  parser_settings parsing;
  parsing.limits.max_samples = 3;
  start({}, parsing);
  auto rep = push(test::plan_example_body);
  CAF_CHECK_EQUAL(rep.status, 413);
  CAF_CHECK(rep.body.find("too many samples (limit 3)") != std::string::npos);
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(a body over the limit that arrives whole(over CAF) is 413 and not parsed) {
  http_acceptor_settings settings;
  settings.server.max_body_bytes = 1024;
  start(settings);
  auto rep = push(std::string(2000, '#') + "\n" + test::plan_example_body);
  CAF_CHECK_EQUAL(rep.status, 413);
  CAF_CHECK(rep.body.find("limits.max_body_bytes (1024 bytes)") != std::string::npos);
  CAF_CHECK(valkey->asked.empty());
  CAF_CHECK_EQUAL(push(test::plan_example_body).status, 200);
}

CAF_TEST(a push admitted on its header gets the admission and counts nothing yet) {
  start();
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a);
  req.head_only = true;
  auto admitted = send(req);
  CAF_CHECK_EQUAL(admitted.status, http::admit_status);
  CAF_CHECK_EQUAL(state().counters.pushes_prometheus, 0u);
  req.query = "server_id=nope";
  CAF_CHECK_EQUAL(send(req).status, 400); // refused on the header: the body is never read
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(samples far in the future are dropped and the answer says so) {
  start();
  // Received at 1700000000000 ms; one sample an hour ahead.
  auto rep = push("a 1\nb 2 1700003600000\nc 3\n");
  CAF_CHECK_EQUAL(rep.status, 200);
  CAF_CHECK(rep.body.find(R"("metrics_received":2,"rejected":1,)") != std::string::npos);
  CAF_CHECK(rep.body.find(R"("line":2})") != std::string::npos);
  CAF_CHECK_EQUAL(state().counters.samples_rejected, 1u);
}

CAF_TEST(the legacy JSON report is accepted on POST / metrics) {
  start();
  auto req = make_request("POST", "/metrics",
                          std::string{R"({"server_id":")"} + server_a
                            + R"(","hostname":"web-1","cpu":{"usage_percent":12.5},)"
                              R"("memory":{"used_mb":512,"total_mb":2048,"usage_percent":25}})",
                          "application/json");
  auto rep = send(req);
  CAF_CHECK_EQUAL(rep.status, 200);
  CAF_CHECK_EQUAL(rep.body, R"({"status":"success","metrics_received":5})");
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].server_id, server_a);
  CAF_CHECK_EQUAL(state().counters.pushes_legacy, 1u);
  req.body = R"({"server_id":"web-1","cpu":{"usage_percent":1}})";
  auto bad = send(req);
  CAF_CHECK_EQUAL(bad.status, 400);
  CAF_CHECK_EQUAL(bad.body, R"({"status":"error","error":"server_id 'web-1' is not a UUID"})");
  req.body = R"({"server_id": )";
  CAF_CHECK_EQUAL(send(req).status, 400);
  req.content_type = "text/plain";
  CAF_CHECK_EQUAL(send(req).status, 415);
}

CAF_TEST(a token may send the legacy report only for its own server) {
  start(tokens_file_settings());
  auto req =
    make_request("POST", "/metrics",
                 std::string{R"({"server_id":")"} + server_b + R"(","cpu":{"usage_percent":1}})",
                 "application/json");
  req.authorization = "Bearer s3cret";
  CAF_CHECK_EQUAL(send(req).status, 403);
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(a full stream or an unreachable Valkey is 503 with Retry - After) {
  start();
  valkey->answers.push_back({valkey::publish_outcome::backlog_full, "", ""});
  auto full = push(test::plan_example_body);
  CAF_CHECK_EQUAL(full.status, 503);
  CAF_CHECK_EQUAL(full.retry_after_s, backlog_retry_after_s);
  CAF_CHECK_EQUAL(
    full.body, R"({"status":"error","error":"the stream is over its backlog limit; retry later"})");
  valkey->answers.push_back({valkey::publish_outcome::unavailable, "", "Connection refused"});
  auto down = push(test::plan_example_body);
  CAF_CHECK_EQUAL(down.status, 503);
  CAF_CHECK_EQUAL(down.retry_after_s, 1u);
  CAF_CHECK_EQUAL(down.body,
                  R"({"status":"error","error":"Valkey is unavailable: Connection refused"})");
  CAF_CHECK_EQUAL(state().counters.unavailable_answers, 2u);
  CAF_CHECK_EQUAL(state().counters.samples_accepted, 0u);
}

CAF_TEST(without a publisher pushes are 503 and health stays 200) {
  start();
  self->send(acceptor, wire_atom::value, caf::actor_cast<parser_actor>(pool), publisher_actor{},
             token_lookup_actor{});
  sched.run();
  auto rep = push(test::plan_example_body);
  CAF_CHECK_EQUAL(rep.status, 503);
  CAF_CHECK_EQUAL(rep.retry_after_s, 1u);
  CAF_CHECK_EQUAL(send(make_request("GET", "/healthz")).status, 200);
  CAF_CHECK_EQUAL(send(make_request("GET", "/readyz")).status, 503);
}

CAF_TEST(readiness follows Valkey) {
  start();
  auto ready = send(make_request("GET", "/readyz"));
  CAF_CHECK_EQUAL(ready.status, 200);
  CAF_CHECK_EQUAL(ready.body, R"({"status":"ready"})");
  valkey->down = true;
  auto not_ready = send(make_request("GET", "/readyz"));
  CAF_CHECK_EQUAL(not_ready.status, 503);
  CAF_CHECK_EQUAL(not_ready.body,
                  R"({"status":"error","error":"Valkey is unreachable: Connection refused"})");
}

CAF_TEST(self metrics count pushes samples errors and publish latency) {
  start();
  push(test::plan_example_body);
  push("bad{");
  auto rep = send(make_request("GET", "/metrics"));
  CAF_CHECK_EQUAL(rep.status, 200);
  CAF_CHECK_EQUAL(rep.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line :
       {"nodepulse_ingest_pushes_total{endpoint=\"/metrics/prometheus\"} 2\n",
        "nodepulse_ingest_samples_accepted_total 4\n", "nodepulse_ingest_parse_errors_total 1\n",
        "nodepulse_ingest_publish_latency_seconds_count 1\n", "nodepulse_ingest_stream_backlog 1\n",
        "nodepulse_ingest_stream_reachable 1\n"})
    if (rep.body.find(line) == std::string::npos)
      CAF_FAIL("missing from /metrics: " << line);
}

CAF_TEST(unknown paths are 404 and wrong methods 405) {
  start();
  auto missing = send(make_request("GET", "/api/v1/query"));
  CAF_CHECK_EQUAL(missing.status, 404);
  CAF_CHECK_EQUAL(missing.body, R"({"status":"error","error":"no such endpoint: /api/v1/query"})");
  // Remote write senders get their errors as text.
  auto remote = send(make_request("GET", "/api/v1/write"));
  CAF_CHECK_EQUAL(remote.status, 405);
  CAF_CHECK_EQUAL(remote.body, "method GET is not allowed on /api/v1/write\n");
  auto method = send(make_request("GET", "/metrics/prometheus"));
  CAF_CHECK_EQUAL(method.status, 405);
  CAF_CHECK_EQUAL(send(make_request("POST", "/healthz")).status, 405);
}

CAF_TEST(batch ids are checked) {
  start();
  CAF_CHECK(valid_batch_id("agent-1:42.7_x"));
  CAF_CHECK(!valid_batch_id(""));
  CAF_CHECK(!valid_batch_id(std::string(129, 'a')));
  CAF_CHECK(!valid_batch_id("a b"));
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                          test::plan_example_body);
  req.batch_id = "no spaces please";
  auto rep = send(req);
  CAF_CHECK_EQUAL(rep.status, 400);
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(what the agent dropped itself goes to the stream in one form or is a 400) {
  start();
  auto req = make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                          test::plan_example_body);
  req.agent_dropped = " size=3 , through=12,future=9";
  valkey->answers.push_back({valkey::publish_outcome::published, "1-0", ""});
  CAF_CHECK_EQUAL(send(req).status, 200);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].agent_dropped,
                  "through=12,retention=0,size=3,torn=0,corrupt=0,refused=0");
  std::vector<std::string> bad_ones{"through=-1", "size", "through=12,,size=1",
                                    "size=99999999999999999999", std::string(300, '1')};
  for (const auto& bad : bad_ones) {
    req.agent_dropped = bad;
    auto rep = send(req);
    CAF_CHECK_EQUAL(rep.status, 400);
    CAF_CHECK(rep.body.find("X-Agent-Dropped") != std::string::npos);
  }
  req.agent_dropped = "through=1,size=x";
  CAF_CHECK(send(req).body.find("the value of size at character 11") != std::string::npos);
  CAF_CHECK_EQUAL(valkey->asked.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
