#define CAF_SUITE actors.ingest.ingest_supervisor
#include "unit/test_support.hpp"

#include "actors/ingest/ingest_supervisor.hpp"
#include "actors/ingest/token_lookup.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"
#include "unit/support/plan_example.hpp"

#include <chrono>

using namespace nodepulse;
using namespace std::chrono_literals;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";

// The supervisor with the real children, all on the deterministic scheduler.
// Note: these tests consume messages with sched.run() and move the clock by
// hand (restarts are timers).
struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<test::scripted_valkey> valkey = std::make_shared<test::scripted_valkey>();
  ingest_supervisor_actor supervisor;
  http_acceptor_settings acceptor_settings;

  void start() {
    acceptor_settings.serve = false;
    supervisor = sys.spawn(ingest_supervisor, test::scripted_children(valkey, &acceptor_settings));
    sched.run();
  }

  ~fixture() {
    if (supervisor)
      caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  ingest_supervisor_state& state() {
    return deref<ingest_supervisor_actor::stateful_base<ingest_supervisor_state>>(supervisor).state;
  }

  http_acceptor_state& acceptor_state() {
    return deref<http_acceptor_actor::stateful_base<http_acceptor_state>>(state().acceptor()).state;
  }

  int push() {
    auto log = std::make_shared<std::vector<http::reply>>();
    auto req = test::make_request("POST", std::string{"/metrics/prometheus?server_id="} + server_a,
                                  test::plan_example_body);
    self->send(state().acceptor(), http_atom::value, test::exchange_into(std::move(req), log));
    sched.run();
    return log->size() == 1 ? log->front().status : -1;
  }

  int send_healthz() {
    auto log = std::make_shared<std::vector<http::reply>>();
    self->send(state().acceptor(), http_atom::value,
               test::exchange_into(test::make_request("GET", "/healthz"), log));
    sched.run();
    return log->size() == 1 ? log->front().status : -1;
  }

  void restart_after(std::chrono::milliseconds wait) {
    sched.clock().advance_time(wait);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingest_supervisor_tests, fixture)

CAF_TEST(it starts every child and wires the acceptor to the others) {
  start();
  CAF_REQUIRE(state().parser_pool());
  CAF_REQUIRE(state().publisher());
  CAF_REQUIRE(state().acceptor());
  CAF_CHECK(acceptor_state().parser == caf::actor_cast<parser_actor>(state().parser_pool()));
  CAF_CHECK(acceptor_state().publisher == state().publisher());
  CAF_CHECK_EQUAL(push(), 200);
  CAF_CHECK_EQUAL(valkey->asked.size(), 1u);
}

CAF_TEST(a crashed publisher is restarted and pushes get 503 meanwhile) {
  start();
  auto old = state().publisher();
  caf::anon_send_exit(old, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(!state().publisher());
  CAF_CHECK(!acceptor_state().publisher);
  CAF_CHECK_EQUAL(push(), 503);
  CAF_CHECK_EQUAL(send_healthz(), 200);
  restart_after(50ms);
  CAF_REQUIRE(state().publisher());
  CAF_CHECK(state().publisher() != old);
  CAF_CHECK(acceptor_state().publisher == state().publisher());
  CAF_CHECK_EQUAL(push(), 200);
  CAF_CHECK_EQUAL(state().children.restarts(), 1u);
}

CAF_TEST(a crashed parser pool is restarted) {
  start();
  caf::anon_send_exit(state().parser_pool(), caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(push(), 503);
  restart_after(50ms);
  CAF_CHECK_EQUAL(push(), 200);
}

CAF_TEST(a crashed acceptor is restarted) {
  start();
  auto old = state().acceptor();
  caf::anon_send_exit(old, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(!state().acceptor());
  restart_after(50ms);
  CAF_REQUIRE(state().acceptor());
  CAF_CHECK(state().acceptor() != old);
  CAF_CHECK_EQUAL(push(), 200); // wired again
}

CAF_TEST(a crashed token lookup is restarted and rewired) {
  int spawned = 0;
  auto c = test::scripted_children(valkey, &acceptor_settings);
  c.token_lookup = [&spawned](caf::local_actor* self) {
    ++spawned;
    return self->spawn(token_lookup, [](const std::string&) { return token_answer{}; });
  };
  acceptor_settings.serve = false;
  supervisor = sys.spawn(ingest_supervisor, std::move(c));
  sched.run();
  CAF_REQUIRE(state().token_lookup());
  CAF_CHECK(acceptor_state().token_db == state().token_lookup());
  caf::anon_send_exit(state().token_lookup(), caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(!acceptor_state().token_db);
  restart_after(50ms);
  CAF_CHECK_EQUAL(spawned, 2);
  CAF_REQUIRE(state().token_lookup());
  CAF_CHECK(acceptor_state().token_db == state().token_lookup());
}

CAF_TEST(without tokens in a database there is no token lookup) {
  start();
  CAF_CHECK(!state().token_lookup());
  CAF_CHECK(!acceptor_state().token_db);
}

CAF_TEST(an acceptor that cannot listen at start stops the node with the reason) {
  acceptor_settings.serve = true;
  acceptor_settings.server.host = "203.0.113.7"; // TEST-NET-3: never a local address
  acceptor_settings.server.port = 8080;
  auto sup = sys.spawn(ingest_supervisor, test::scripted_children(valkey, &acceptor_settings));
  self->monitor(sup);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; });
  CAF_CHECK(reason == caf::sec::cannot_open_port);
  CAF_CHECK(sys.render(reason).find("cannot listen on 203.0.113.7:8080") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
