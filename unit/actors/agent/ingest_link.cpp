#define CAF_SUITE actors.agent.ingest_link
#include "unit/test_support.hpp"

#include "actors/agent/ingest_link.hpp"
#include "actors/error_text.hpp"
#include "unit/actors/ingest/gateway_fixture.hpp"
#include "unit/support/plan_example.hpp"

#include <caf/typed_response_promise.hpp>

using namespace nodepulse;
using namespace std::chrono_literals;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";

// A gateway that takes pushes (counting them) and never answers: a push
// stays in flight.
ingest_gateway_actor::behavior_type silent_gateway(ingest_gateway_actor::pointer self,
                                                   std::shared_ptr<int> received) {
  return {
    [self, received](publish_atom, http::request&) -> caf::result<http::reply> {
      ++*received;
      return self->make_response_promise<http::reply>();
    },
  };
}

// The link in front of the real gateway; its connect function hands out
// `target` (the middleman's part), or refuses while `refuse` is set.
struct fixture : test::gateway_fixture {
  ingest_gateway_actor target = caf::actor_cast<ingest_gateway_actor>(gateway);
  bool refuse = false;
  int connect_calls = 0;
  ingest_gateway_actor link;

  fixture() {
    ingest_link_settings s;
    s.where = "203.0.113.7:8090";
    s.timeout = 5s;
    s.connect = [this]() -> caf::expected<ingest_gateway_actor> {
      ++connect_calls;
      if (refuse)
        return caf::make_error(caf::sec::cannot_connect_to_node, "ip_connect failed");
      return target;
    };
    link = sys.spawn(ingest_link, std::move(s));
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    sched.run();
  }

  ingest_link_state& state() {
    return deref<ingest_gateway_actor::stateful_base<ingest_link_state>>(link).state;
  }

  caf::expected<http::reply> push(const std::string& batch_id,
                                  std::string body = test::plan_example_body) {
    return push_to(link, test::agent_push(server_a, batch_id, std::move(body)));
  }

  std::string error_text(const caf::error& err) { return nodepulse::error_text(sys, err); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_ingest_link_tests, fixture)

CAF_TEST(pushes go through one connection to the ingest and come back answered) {
  auto first = push("a:1:1");
  auto bad = push("a:1:2", "node_load1 {\n");
  CAF_REQUIRE(first);
  CAF_REQUIRE(bad);
  CAF_CHECK_EQUAL(first->status, 200);
  CAF_CHECK_EQUAL(bad->status, 400);
  CAF_CHECK(bad->body.find("\"line\":1,\"column\":") != std::string::npos);
  CAF_CHECK_EQUAL(connect_calls, 1);
  CAF_CHECK_EQUAL(state().connects, 1u);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].batch_id, "a:1:1");
}

CAF_TEST(an unreachable ingest fails the push with where and why and a later push connects) {
  refuse = true;
  auto failed = push("a:1:1");
  CAF_REQUIRE(!failed);
  auto why = error_text(failed.error());
  CAF_CHECK(why.find("203.0.113.7:8090") != std::string::npos);
  CAF_CHECK(why.find("ip_connect failed") != std::string::npos);
  CAF_CHECK_EQUAL(state().connect_failures, 1u);
  CAF_CHECK(valkey->asked.empty());
  refuse = false;
  auto ok = push("a:1:1");
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->status, 200);
  CAF_CHECK_EQUAL(state().connects, 1u);
}

CAF_TEST(a lost connection fails the pushes in flight at once and the next push reconnects) {
  auto received = std::make_shared<int>(0);
  target = sys.spawn(silent_gateway, received);
  auto silent = target;
  auto in_flight = self->request(link, caf::infinite, publish_atom::value,
                                 test::agent_push(server_a, "a:1:1", test::plan_example_body));
  sched.run();
  CAF_CHECK_EQUAL(*received, 1);
  CAF_CHECK_EQUAL(state().pending.size(), 1u);
  // The connection drops: the link's monitor sees the gateway go down.
  caf::anon_send_exit(silent, caf::exit_reason::kill);
  sched.run();
  caf::error err;
  in_flight.receive([](http::reply&) {}, [&](caf::error& e) { err = std::move(e); });
  CAF_REQUIRE(err);
  CAF_CHECK(error_text(err).find("went away before answering") != std::string::npos);
  CAF_CHECK_EQUAL(state().drops, 1u);
  CAF_CHECK(!state().gateway);
  CAF_CHECK(state().pending.empty());
  // The ingest is back: the next push connects again and is stored.
  target = caf::actor_cast<ingest_gateway_actor>(gateway);
  auto again = push("a:1:1");
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->status, 200);
  CAF_CHECK_EQUAL(connect_calls, 2);
  CAF_CHECK_EQUAL(state().connects, 2u);
  CAF_CHECK_EQUAL(valkey->asked.size(), 1u);
}

CAF_TEST(a push the gateway does not answer in time fails with the timeout) {
  auto received = std::make_shared<int>(0);
  target = sys.spawn(silent_gateway, received);
  auto pending = self->request(link, caf::infinite, publish_atom::value,
                               test::agent_push(server_a, "a:1:1", test::plan_example_body));
  sched.run();
  CAF_CHECK_EQUAL(*received, 1);
  sched.clock().advance_time(5s);
  sched.run();
  caf::error err;
  pending.receive([](http::reply&) {}, [&](caf::error& e) { err = std::move(e); });
  CAF_REQUIRE(err);
  CAF_CHECK(error_text(err).find("did not answer") != std::string::npos);
  CAF_CHECK(state().pending.empty());
  CAF_CHECK_EQUAL(state().drops, 0u);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
