#define CAF_SUITE valkey_stream_client
#include <caf/test/unit_test.hpp>

#include "integration/support/redis_server.hpp"
#include "lib/prom/batch_diff.hpp"
#include "lib/prom/parser.hpp"
#include "lib/valkey/stream_client.hpp"
#include "unit/support/plan_example.hpp"

#include <map>
#include <string>
#include <vector>

using namespace nodepulse;

namespace {

constexpr int64_t received = 1700000000000;

struct fixture {
  test::redis_server redis;

  valkey::stream_client client(int64_t max_backlog = 50000) {
    valkey::stream_settings s;
    s.max_backlog = max_backlog;
    s.timeout = std::chrono::milliseconds{500};
    return valkey::stream_client{{"127.0.0.1", redis.port(), ""}, s};
  }

  static valkey::stream_entry entry(std::string batch_id) {
    valkey::stream_entry e;
    e.batch_id = std::move(batch_id);
    e.server_id = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
    e.received_at_ms = received;
    prom::sample_batch batch;
    if (!prom::parse(test::plan_example_body, {}, batch).ok)
      CAF_FAIL("plan body rejected");
    valkey::encode_payload(batch, received, {}, e.payload);
    return e;
  }

  std::vector<std::map<std::string, std::string>> read_stream() { return redis.read_stream(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(stream_client_tests, fixture)

CAF_TEST(a push becomes one stream entry that decodes to its samples) {
  auto c = client();
  auto res = c.publish(entry("batch-1"));
  CAF_REQUIRE(res.outcome == valkey::publish_outcome::published);
  auto stream = read_stream();
  CAF_REQUIRE_EQUAL(stream.size(), 1u);
  CAF_CHECK_EQUAL(stream[0]["id"], res.entry_id);
  CAF_CHECK_EQUAL(stream[0]["v"], "1");
  CAF_CHECK_EQUAL(stream[0]["batch_id"], "batch-1");
  CAF_CHECK_EQUAL(stream[0]["server_id"], "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11");
  CAF_CHECK_EQUAL(stream[0]["received_at"], std::to_string(received));
  prom::sample_batch decoded, expected;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(stream[0]["payload"], received, decoded, scratch), "");
  CAF_REQUIRE(prom::parse(test::plan_example_body, {}, expected).ok);
  expected.fill_missing_timestamps(received);
  CAF_CHECK_EQUAL(decoded.samples.size(), 4u);
  CAF_CHECK_EQUAL(prom::first_difference(expected, decoded), "");
}

CAF_TEST(a retried batch id is acknowledged again and stored once) {
  auto c = client();
  auto first = c.publish(entry("batch-7"));
  auto again = c.publish(entry("batch-7"));
  CAF_REQUIRE(first.outcome == valkey::publish_outcome::published);
  CAF_CHECK(again.outcome == valkey::publish_outcome::duplicate);
  CAF_CHECK_EQUAL(again.entry_id, first.entry_id);
  CAF_CHECK(c.publish(entry("batch-8")).outcome == valkey::publish_outcome::published);
  CAF_CHECK_EQUAL(read_stream().size(), 2u);
}

CAF_TEST(a full backlog refuses the push and writes nothing) {
  auto c = client(2);
  CAF_CHECK(c.publish(entry("a")).outcome == valkey::publish_outcome::published);
  CAF_CHECK(c.publish(entry("b")).outcome == valkey::publish_outcome::published);
  auto full = c.publish(entry("c"));
  CAF_CHECK(full.outcome == valkey::publish_outcome::backlog_full);
  CAF_CHECK_EQUAL(read_stream().size(), 2u);
  // Not recorded as seen either: once there is room, the retry is stored.
  redisContext* r = redis.connect();
  freeReplyObject(redisCommand(r, "XTRIM nodepulse:metrics:stream MAXLEN 0"));
  redisFree(r);
  CAF_CHECK(c.publish(entry("c")).outcome == valkey::publish_outcome::published);
}

CAF_TEST(with the server down pushes are refused and the client reconnects) {
  auto c = client();
  CAF_REQUIRE(c.publish(entry("before")).outcome == valkey::publish_outcome::published);
  CAF_CHECK_EQUAL(c.connects(), 1u);
  redis.stop(); // SIGKILL
  auto down = c.publish(entry("during"));
  CAF_CHECK(down.outcome == valkey::publish_outcome::unavailable);
  CAF_CHECK(!down.error.empty());
  CAF_CHECK(!c.connected());
  CAF_CHECK(c.publish(entry("during")).outcome == valkey::publish_outcome::unavailable);
  redis.start(); // its append-only file brings back what was acknowledged
  auto after = c.publish(entry("during"));
  CAF_CHECK(after.outcome == valkey::publish_outcome::published);
  CAF_CHECK_EQUAL(c.connects(), 2u);
  auto stream = read_stream();
  CAF_REQUIRE_EQUAL(stream.size(), 2u);
  CAF_CHECK_EQUAL(stream[0]["batch_id"], "before");
  CAF_CHECK_EQUAL(stream[1]["batch_id"], "during");
  // The acknowledged batch id survived too: a retry is not stored again.
  CAF_CHECK(c.publish(entry("before")).outcome == valkey::publish_outcome::duplicate);
}

CAF_TEST(a durable server is read as durable once per connection) {
  auto c = client();
  std::string error;
  CAF_REQUIRE(c.check_durability(error));
  CAF_CHECK(c.durability().known);
  CAF_CHECK(c.durability().durable);
  CAF_CHECK_EQUAL(c.durability().problem, "");
}

CAF_TEST(a server switched to appendfsync everysec gets no push once it is read again) {
  valkey::stream_settings s;
  s.timeout = std::chrono::milliseconds{500};
  s.durability_recheck = std::chrono::milliseconds{0}; // read before every push
  valkey::stream_client c{{"127.0.0.1", redis.port(), ""}, s};
  CAF_REQUIRE(c.publish(entry("a")).outcome == valkey::publish_outcome::published);
  redis.config_set("appendfsync", "everysec");
  auto refused = c.publish(entry("b"));
  CAF_CHECK(refused.outcome == valkey::publish_outcome::not_durable);
  CAF_CHECK_NOT_EQUAL(refused.error.find("appendfsync is 'everysec'"), std::string::npos);
  CAF_CHECK_EQUAL(read_stream().size(), 1u); // nothing written for it
  redis.config_set("appendfsync", "always");
  CAF_CHECK(c.publish(entry("b")).outcome == valkey::publish_outcome::published);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

valkey::stream_client client_of(const test::redis_server& redis, bool require_durable) {
  valkey::stream_settings s;
  s.timeout = std::chrono::milliseconds{500};
  s.require_durable = require_durable;
  return valkey::stream_client{{"127.0.0.1", redis.port(), ""}, s};
}

} // namespace

CAF_TEST(a server without persistence gets no push and is named for it) {
  test::redis_server redis{test::redis_server::no_persistence};
  auto c = client_of(redis, true);
  auto res = c.publish(fixture::entry("lost-in-a-crash"));
  CAF_CHECK(res.outcome == valkey::publish_outcome::not_durable);
  CAF_CHECK_NOT_EQUAL(res.error.find("appendonly is 'no'"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(res.error.find("appendfsync always"), std::string::npos);
  CAF_CHECK(redis.read_stream().empty());
  CAF_CHECK(!c.durability().durable);
}

CAF_TEST(allow_data_loss pushes to a server without persistence and still says so) {
  test::redis_server redis{test::redis_server::no_persistence};
  auto c = client_of(redis, false);
  CAF_CHECK(c.publish(fixture::entry("b1")).outcome == valkey::publish_outcome::published);
  CAF_CHECK_EQUAL(redis.read_stream().size(), 1u);
  CAF_CHECK(c.durability().known);
  CAF_CHECK(!c.durability().durable);
}

CAF_TEST(a server whose CONFIG command is renamed away cannot be trusted) {
  test::redis_server redis{test::redis_server::durable, {"--rename-command", "CONFIG", ""}};
  auto c = client_of(redis, true);
  auto res = c.publish(fixture::entry("b1"));
  CAF_CHECK(res.outcome == valkey::publish_outcome::not_durable);
  CAF_CHECK_NOT_EQUAL(res.error.find("persistence settings cannot be read"), std::string::npos);
  CAF_CHECK(redis.read_stream().empty());
}

CAF_TEST(valkey urls) {
  std::string err;
  auto a = valkey::parse_url("redis://127.0.0.1:6380", err);
  CAF_REQUIRE(a);
  CAF_CHECK_EQUAL(a->host, "127.0.0.1");
  CAF_CHECK_EQUAL(a->port, 6380);
  auto b = valkey::parse_url("valkey://cache.internal", err);
  CAF_REQUIRE(b);
  CAF_CHECK_EQUAL(b->port, 6379);
  auto u = valkey::parse_url("unix:///run/valkey.sock", err);
  CAF_REQUIRE(u);
  CAF_CHECK_EQUAL(u->unix_path, "/run/valkey.sock");
  CAF_CHECK(!valkey::parse_url("redis://:6379", err));
  CAF_CHECK_EQUAL(err, "no host in 'redis://:6379'");
  CAF_CHECK(!valkey::parse_url("redis://h:99999", err));
  CAF_CHECK(!valkey::parse_url("http://h:1", err));
}
