#define CAF_SUITE actors.ingest.parser_pool
#include "unit/test_support.hpp"

#include "actors/ingest/parser_pool.hpp"
#include "lib/prom/batch_diff.hpp"
#include "lib/valkey/stream_codec.hpp"
#include "unit/support/plan_example.hpp"

#include <chrono>

using namespace nodepulse;

namespace {

constexpr int64_t received_at = 1700000000000;

struct config : caf::actor_system_config {
  config() { add_message_types<caf::id_block::nodepulse>(); }
};

// Note: the fixture's run() also fires due timers (a worker's respawn, say);
// these tests consume messages with sched.run() and move the clock by hand.
struct fixture : test_coordinator_fixture<config> {
  parser_pool_actor pool;

  fixture() {
    pool = sys.spawn(parser_pool, 3u, parser_settings{});
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
    sched.run();
  }

  parser_pool_state& pool_state() {
    return deref<parser_pool_actor::stateful_base<parser_pool_state>>(pool).state;
  }

  size_t workers() { return pool_state().workers.slots().size(); }

  parser_actor worker(size_t i) {
    return caf::actor_cast<parser_actor>(pool_state().workers.slots()[i].actor);
  }

  parser_worker_state& worker_state(const parser_actor& worker) {
    return deref<parser_actor::stateful_base<parser_worker_state>>(worker).state;
  }

  // Sends one push through the pool, as the HTTP acceptor will.
  caf::expected<parse_reply> push(std::string body) {
    auto handle = caf::actor_cast<parser_actor>(pool);
    auto rh =
      self->request(handle, caf::infinite, parse_atom::value,
                    parse_request{push_kind::prometheus, std::move(body), "", "", received_at});
    sched.run();
    caf::expected<parse_reply> result{caf::error{}};
    rh.receive([&](parse_reply& r) { result = std::move(r); },
               [&](caf::error& e) { result = std::move(e); });
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(parser_pool_tests, fixture)

CAF_TEST(a valid push comes back as a stream payload with its sample count) {
  auto reply = push(test::plan_example_body);
  CAF_REQUIRE(reply);
  CAF_CHECK(reply->ok);
  CAF_CHECK_EQUAL(reply->samples, 4u);
  CAF_CHECK_EQUAL(reply->rejected, 0u);
  // The payload decodes to the four samples, stamped with the receive time.
  prom::sample_batch decoded;
  std::string scratch;
  CAF_REQUIRE_EQUAL(valkey::decode_payload(reply->payload, received_at, decoded, scratch), "");
  std::string text = test::plan_example_body;
  prom::sample_batch expected;
  CAF_REQUIRE(prom::parse(text, {}, expected).ok);
  expected.fill_missing_timestamps(received_at);
  CAF_CHECK_EQUAL(prom::first_difference(expected, decoded), "");
}

CAF_TEST(a malformed push comes back as the error with line and column) {
  auto reply = push("ok 1\nbad{x=\"1\" 2\n");
  CAF_REQUIRE(reply);
  CAF_CHECK(!reply->ok);
  CAF_CHECK_EQUAL(reply->line, 2u);
  CAF_CHECK_EQUAL(reply->column, 11u);
  CAF_CHECK_EQUAL(reply->error, "expected ',' or '}' after label 'x', got '2'");
  CAF_CHECK(reply->payload.empty());
}

CAF_TEST(metadata without samples past the family limit is a 413) {
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  parser_settings settings;
  settings.limits.max_families = 100;
  pool = sys.spawn(parser_pool, 1u, settings);
  sched.run();
  std::string body;
  for (int i = 0; i < 1000; ++i)
    body += "# TYPE f" + std::to_string(i) + " gauge\n";
  auto reply = push(body);
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 413);
  CAF_CHECK_EQUAL(reply->line, 101u);
  CAF_CHECK_EQUAL(reply->error, "too many metric families (limit 100)");
}

CAF_TEST(an uncompressed body is held to the inflated limit as well) {
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  parser_settings settings;
  settings.max_inflated_bytes = 1024;
  pool = sys.spawn(parser_pool, 1u, settings);
  sched.run();
  auto reply = push(std::string(2000, '#') + "\n");
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 413);
}

CAF_TEST(a worker gives back the memory of an outsized push) {
  std::string big;
  for (int i = 0; i < 200000; ++i)
    big += "m{i=\"" + std::to_string(i) + "\"} 1\n";
  CAF_REQUIRE(push(big)->ok);
  // Whichever worker took it holds no sample room now.
  size_t held = 0;
  for (size_t i = 0; i < workers(); ++i)
    held = std::max(held, worker_state(worker(i)).batch.samples.capacity());
  CAF_CHECK_EQUAL(held, 0u);
  CAF_REQUIRE(push("a 1\n")->ok); // and still works
}

CAF_TEST(samples from the future are dropped and reported) {
  auto reply = push("a 1\nb 2 1700003600000\n"); // one hour ahead
  CAF_REQUIRE(reply);
  CAF_CHECK(reply->ok);
  CAF_CHECK_EQUAL(reply->samples, 1u);
  CAF_CHECK_EQUAL(reply->rejected, 1u);
  CAF_CHECK_EQUAL(reply->line, 2u);
  CAF_CHECK_EQUAL(reply->first_rejection, "sample 'b' at line 2 is 3600 s ahead "
                                          "of the ingest clock (limit 600 s)");
}

CAF_TEST(requests are spread over the workers in turn) {
  for (int i = 0; i < 6; ++i)
    CAF_REQUIRE(push("a 1\n"));
  for (size_t i = 0; i < workers(); ++i)
    CAF_CHECK_EQUAL(worker_state(worker(i)).parsed, 2u);
}

CAF_TEST(a dead worker is replaced after a backoff and the pool keeps answering) {
  auto victim = worker(0);
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(!worker(0));
  CAF_CHECK_EQUAL(pool_state().workers.slots()[0].deaths, 1u);
  // Meanwhile the others carry on.
  for (int i = 0; i < 4; ++i) {
    auto reply = push("a 1\n");
    CAF_REQUIRE(reply);
    CAF_CHECK(reply->ok);
  }
  // The respawn waits for its backoff (50 ms after the first death).
  sched.clock().advance_time(std::chrono::milliseconds{49});
  sched.run();
  CAF_CHECK(!worker(0));
  sched.clock().advance_time(std::chrono::milliseconds{1});
  sched.run();
  CAF_REQUIRE(worker(0));
  CAF_CHECK_NOT_EQUAL(worker(0), victim);
  CAF_CHECK_EQUAL(pool_state().workers.restarts(), 1u);
  CAF_CHECK(push(test::plan_example_body));
}

CAF_TEST(with every worker dead the pool answers with an error) {
  for (size_t i = 0; i < workers(); ++i)
    caf::anon_send_exit(worker(i), caf::exit_reason::kill);
  sched.run();
  auto reply = push("a 1\n");
  CAF_REQUIRE(!reply);
  CAF_CHECK_EQUAL(reply.error(), caf::sec::request_receiver_down);
  // Once the backoff has passed, the pool answers again.
  sched.clock().advance_time(std::chrono::milliseconds{50});
  sched.run();
  CAF_CHECK(push("a 1\n"));
}

CAF_TEST_FIXTURE_SCOPE_END()
