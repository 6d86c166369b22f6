#define CAF_SUITE actors.ingest.ingest_gateway
#include "unit/test_support.hpp"

#include "unit/actors/ingest/gateway_fixture.hpp"
#include "unit/support/plan_example.hpp"

using namespace nodepulse;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";

// An ingest that loses every exchange unanswered (as a dying acceptor
// would), counting them.
ingest_supervisor_actor::behavior_type losing_ingest(ingest_supervisor_actor::pointer,
                                                     std::shared_ptr<int> lost) {
  return {
    [](respawn_atom, uint32_t) {},
    [](reload_atom) {},
    [lost](http_atom, http_exchange&) { ++*lost; },
  };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingest_gateway_tests, test::gateway_fixture)

CAF_TEST(a push through the gateway is accepted and stored like an HTTP push) {
  auto reply = push_to(gateway, test::agent_push(server_a, "a:1:7", test::plan_example_body));
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 200);
  CAF_CHECK(reply->body.find("\"status\":\"success\"") != std::string::npos);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].batch_id, "a:1:7");
  CAF_CHECK_EQUAL(valkey->asked[0].server_id, server_a);
  // Stamped on arrival by the gateway, as the acceptor stamps HTTP pushes.
  CAF_CHECK_EQUAL(valkey->asked[0].received_at_ms, now);
}

CAF_TEST(a bad push is answered 400 with its line and column and nothing is stored) {
  auto reply =
    push_to(gateway, test::agent_push(server_a, "a:1:8", "node_load1 1\nnode_load5 {\n"));
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 400);
  CAF_CHECK(reply->body.find("\"line\":2,\"column\":") != std::string::npos);
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(each answer reaches the push it belongs to) {
  auto first = self->request(gateway, caf::infinite, publish_atom::value,
                             test::agent_push(server_a, "a:1:1", test::plan_example_body));
  auto second = self->request(gateway, caf::infinite, publish_atom::value,
                              test::agent_push(server_a, "a:1:2", "garbage{\n"));
  sched.run();
  int first_status = 0, second_status = 0;
  first.receive([&](http::reply& r) { first_status = r.status; }, [](caf::error&) {});
  second.receive([&](http::reply& r) { second_status = r.status; }, [](caf::error&) {});
  CAF_CHECK_EQUAL(first_status, 200);
  CAF_CHECK_EQUAL(second_status, 400);
  auto& st = deref<ingest_gateway_front_actor::stateful_base<ingest_gateway_state>>(gateway).state;
  CAF_CHECK(st.pending.empty());
  CAF_CHECK_EQUAL(st.pushes, 2u);
}

CAF_TEST(a wrong server id is refused by the acceptor as over HTTP) {
  auto reply = push_to(gateway, test::agent_push("not-a-uuid", "a:1:9", test::plan_example_body));
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 400);
  CAF_CHECK(reply->body.find("server_id") != std::string::npos);
  CAF_CHECK(valkey->asked.empty());
}

CAF_TEST(a push the ingest drops unanswered is answered 503 at once) {
  auto lost = std::make_shared<int>(0);
  auto ingest = sys.spawn(losing_ingest, lost);
  auto front = sys.spawn(ingest_gateway, ingest, std::function<int64_t()>{});
  auto reply = push_to(front, test::agent_push(server_a, "a:1:1", test::plan_example_body));
  CAF_CHECK_EQUAL(*lost, 1);
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->status, 503);
  CAF_CHECK_EQUAL(reply->retry_after_s, 1u);
  auto& st = deref<ingest_gateway_front_actor::stateful_base<ingest_gateway_state>>(front).state;
  CAF_CHECK(st.pending.empty());
  caf::anon_send_exit(ingest, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(an answered push is not answered again when its exchange goes) {
  auto first = push_to(gateway, test::agent_push(server_a, "a:1:1", test::plan_example_body));
  auto second = push_to(gateway, test::agent_push(server_a, "a:1:2", test::plan_example_body));
  CAF_REQUIRE(first);
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL(first->status, 200);
  CAF_CHECK_EQUAL(second->status, 200);
  auto& st = deref<ingest_gateway_front_actor::stateful_base<ingest_gateway_state>>(gateway).state;
  CAF_CHECK(st.pending.empty());
  CAF_CHECK_EQUAL(valkey->asked.size(), 2u);
}

CAF_TEST(the gateway stops with the ingest supervisor) {
  self->monitor(gateway);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  sched.run();
  bool down = false;
  self->receive([&](caf::down_msg& msg) { down = msg.source == gateway.address(); },
                caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST_FIXTURE_SCOPE_END()
