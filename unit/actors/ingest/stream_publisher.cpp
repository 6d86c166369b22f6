#define CAF_SUITE actors.ingest.stream_publisher
#include "unit/test_support.hpp"

#include "actors/ingest/stream_publisher.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <deque>
#include <memory>
#include <vector>

using namespace nodepulse;

namespace {

using test::scripted_valkey;

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<scripted_valkey> valkey = std::make_shared<scripted_valkey>();
  publisher_actor publisher;

  fixture() {
    publisher = sys.spawn(stream_publisher, valkey->backend(valkey));
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown);
    sched.run();
  }

  stream_publisher_state& state() {
    return deref<publisher_actor::stateful_base<stream_publisher_state>>(publisher).state;
  }

  publish_ack publish(valkey::publish_outcome outcome, std::string id = "1-0",
                      std::string error = "") {
    valkey->answers.push_back({outcome, std::move(id), std::move(error)});
    auto rh = self->request(publisher, caf::infinite, publish_atom::value,
                            publish_request{"batch", "server", 1700000000000, "payload", ""});
    sched.run();
    publish_ack ack;
    rh.receive([&](publish_ack& a) { ack = std::move(a); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return ack;
  }

  publisher_status status_now() {
    auto rh = self->request(publisher, caf::infinite, status_atom::value);
    sched.run();
    publisher_status status;
    rh.receive([&](publisher_status& s) { status = std::move(s); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return status;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(stream_publisher_tests, fixture)

CAF_TEST(a stored push is acknowledged with its entry id) {
  auto ack = publish(valkey::publish_outcome::published, "1700000000000-0");
  CAF_CHECK(ack.stored);
  CAF_CHECK(!ack.duplicate);
  CAF_CHECK_EQUAL(ack.entry_id, "1700000000000-0");
  CAF_CHECK_EQUAL(ack.retry_after_s, 0u);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 1u);
  CAF_CHECK_EQUAL(valkey->asked[0].batch_id, "batch");
  CAF_CHECK_EQUAL(valkey->asked[0].server_id, "server");
  CAF_CHECK_EQUAL(valkey->asked[0].payload, "payload");
  CAF_CHECK_EQUAL(state().published, 1u);
}

CAF_TEST(a retried batch is acknowledged again as stored) {
  auto ack = publish(valkey::publish_outcome::duplicate, "1-0");
  CAF_CHECK(ack.stored);
  CAF_CHECK(ack.duplicate);
  CAF_CHECK_EQUAL(ack.entry_id, "1-0");
  CAF_CHECK_EQUAL(state().duplicates, 1u);
  CAF_CHECK_EQUAL(state().published, 0u);
}

CAF_TEST(a full backlog is refused with a fixed retry after) {
  auto ack = publish(valkey::publish_outcome::backlog_full, "");
  CAF_CHECK(!ack.stored);
  CAF_CHECK_EQUAL(ack.retry_after_s, backlog_retry_after_s);
  CAF_CHECK_EQUAL(ack.error, "the stream is over its backlog limit; retry later");
  CAF_CHECK_EQUAL(state().refused_backlog, 1u);
}

CAF_TEST(while Valkey is down the retry after doubles up to its cap) {
  std::vector<uint32_t> waits;
  for (int i = 0; i < 8; ++i) {
    auto ack = publish(valkey::publish_outcome::unavailable, "", "Connection refused");
    CAF_CHECK(!ack.stored);
    CAF_CHECK_EQUAL(ack.error, "Valkey is unavailable: Connection refused");
    waits.push_back(ack.retry_after_s);
  }
  CAF_CHECK_EQUAL(waits, (std::vector<uint32_t>{1, 2, 4, 8, 16, 30, 30, 30}));
  CAF_CHECK_EQUAL(state().unavailable, 8u);
  // Back up: the next failure starts from one second again.
  CAF_CHECK(publish(valkey::publish_outcome::published).stored);
  CAF_CHECK_EQUAL(publish(valkey::publish_outcome::unavailable, "", "x").retry_after_s, 1u);
}

CAF_TEST(a full backlog shows that Valkey is reachable) {
  publish(valkey::publish_outcome::unavailable, "", "x");
  publish(valkey::publish_outcome::unavailable, "", "x");
  publish(valkey::publish_outcome::backlog_full, "");
  CAF_CHECK_EQUAL(publish(valkey::publish_outcome::unavailable, "", "x").retry_after_s, 1u);
}

CAF_TEST(the status tells the backlog and the counters while Valkey is up) {
  publish(valkey::publish_outcome::published);
  publish(valkey::publish_outcome::duplicate);
  auto status = status_now();
  CAF_CHECK(status.reachable);
  CAF_CHECK_EQUAL(status.backlog, 2); // the fake's stream holds what it was asked
  CAF_CHECK_EQUAL(status.published, 1u);
  CAF_CHECK_EQUAL(status.duplicates, 1u);
  CAF_CHECK_EQUAL(status.error, "");
}

CAF_TEST(the status says why Valkey is unreachable) {
  valkey->down = true;
  auto status = status_now();
  CAF_CHECK(!status.reachable);
  CAF_CHECK_EQUAL(status.backlog, -1);
  CAF_CHECK_EQUAL(status.error, "Connection refused");
}

CAF_TEST(pushes that arrive while it writes are written together in one pipeline) {
  // Three requests reach the mailbox before the publisher runs.
  auto a = self->request(publisher, caf::infinite, publish_atom::value,
                         publish_request{"b1", "s", 1, "p1", "through=7"});
  auto b = self->request(publisher, caf::infinite, publish_atom::value,
                         publish_request{"b2", "s", 1, "p2", ""});
  auto c = self->request(publisher, caf::infinite, publish_atom::value,
                         publish_request{"b3", "s", 1, "p3", ""});
  valkey->answers.push_back({valkey::publish_outcome::published, "1-0", ""});
  valkey->answers.push_back({valkey::publish_outcome::duplicate, "0-9", ""});
  valkey->answers.push_back({valkey::publish_outcome::backlog_full, "", ""});
  sched.run();
  CAF_CHECK_EQUAL(valkey->pipelines, 1u);
  CAF_REQUIRE_EQUAL(valkey->asked.size(), 3u);
  CAF_CHECK_EQUAL(valkey->asked[2].batch_id, "b3");
  CAF_CHECK_EQUAL(valkey->asked[0].agent_dropped, "through=7"); // travels with its entry
  CAF_CHECK_EQUAL(valkey->asked[1].agent_dropped, "");
  std::vector<publish_ack> acks;
  for (auto* rh : {&a, &b, &c})
    rh->receive([&](publish_ack& ack) { acks.push_back(std::move(ack)); },
                [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE_EQUAL(acks.size(), 3u);
  CAF_CHECK(acks[0].stored && !acks[0].duplicate);
  CAF_CHECK(acks[1].stored && acks[1].duplicate);
  CAF_CHECK(!acks[2].stored);
  CAF_CHECK_EQUAL(acks[2].retry_after_s, backlog_retry_after_s);
  // The next push alone is a pipeline of its own.
  CAF_CHECK(publish(valkey::publish_outcome::published).stored);
  CAF_CHECK_EQUAL(valkey->pipelines, 2u);
}

CAF_TEST(a failed pipeline counts once toward the retry after) {
  std::vector<decltype(self->request(publisher, caf::infinite, publish_atom::value,
                                     publish_request{}))>
    handles;
  for (int i = 0; i < 8; ++i) {
    valkey->answers.push_back({valkey::publish_outcome::unavailable, "", "Connection refused"});
    handles.push_back(self->request(publisher, caf::infinite, publish_atom::value,
                                    publish_request{"b" + std::to_string(i), "s", 1, "p", ""}));
  }
  sched.run();
  CAF_CHECK_EQUAL(valkey->pipelines, 1u);
  for (auto& rh : handles)
    rh.receive([&](publish_ack& ack) { CAF_CHECK_EQUAL(ack.retry_after_s, 1u); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  // The next failed write waits twice as long, not 2^8 times.
  CAF_CHECK_EQUAL(publish(valkey::publish_outcome::unavailable, "", "x").retry_after_s, 2u);
}

CAF_TEST(a Valkey that would lose the push is refused naming the setting) {
  auto ack = publish(valkey::publish_outcome::not_durable, "",
                     "appendonly is 'no': a crash of Valkey loses every acknowledged push");
  CAF_CHECK(!ack.stored);
  CAF_CHECK_EQUAL(ack.retry_after_s, not_durable_retry_after_s);
  CAF_CHECK_NOT_EQUAL(ack.error.find("appendonly is 'no'"), std::string::npos);
  CAF_CHECK_EQUAL(state().refused_not_durable, 1u);
  CAF_CHECK_EQUAL(state().unavailable, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct durability_fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<scripted_valkey> valkey = std::make_shared<scripted_valkey>();
  valkey::durability_status durability;

  publisher_status status_of(bool require_durable) {
    auto backend = valkey->backend(valkey);
    backend.durability = [this] { return durability; };
    backend.require_durable = require_durable;
    auto publisher = sys.spawn(stream_publisher, backend);
    auto rh = self->request(publisher, caf::infinite, status_atom::value);
    sched.run();
    publisher_status status;
    rh.receive([&](publisher_status& s) { status = std::move(s); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown);
    sched.run();
    return status;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(publisher_durability_tests, durability_fixture)

CAF_TEST(the status says whether Valkey is durable and whether pushes are refused) {
  durability = {true, true, ""};
  auto durable = status_of(true);
  CAF_CHECK(durable.durable);
  CAF_CHECK(!durable.refusing);
  durability = {true, false, "appendfsync is 'everysec'"};
  auto refusing = status_of(true);
  CAF_CHECK(!refusing.durable);
  CAF_CHECK(refusing.refusing);
  CAF_CHECK_EQUAL(refusing.durability_problem, "appendfsync is 'everysec'");
  auto accepted = status_of(false); // valkey.allow_data_loss
  CAF_CHECK(!accepted.durable);
  CAF_CHECK(!accepted.refusing);
}

CAF_TEST_FIXTURE_SCOPE_END()
