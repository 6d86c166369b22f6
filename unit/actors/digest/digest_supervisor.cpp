#define CAF_SUITE actors.digest.digest_supervisor
#include "unit/test_support.hpp"

#include "actors/digest/digest_supervisor.hpp"
#include "actors/digest/query_server.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;

namespace {

// A writer that reports what the test says, each slot its own figures.
db_writer_actor::behavior_type fake_writer(db_writer_actor::pointer,
                                           std::shared_ptr<writer_status> status) {
  return {
    [](poll_atom) {},
    [status](status_atom) { return *status; },
  };
}

struct fixture : test_coordinator_fixture<test::system_config> {
  std::vector<std::shared_ptr<writer_status>> statuses;
  std::vector<uint32_t> spawned_slots;
  std::vector<db_writer_actor> spawned;
  digest_supervisor_actor supervisor;

  fixture() {
    for (uint64_t rows : {4u, 6u}) {
      auto s = std::make_shared<writer_status>();
      s->stream_reachable = s->database_reachable = true;
      s->counters.rows = rows;
      s->counters.transactions = 1;
      s->backlog = {7, 2, 0};
      statuses.push_back(s);
    }
    digest_supervisor_settings settings;
    settings.serve = false;
    settings.writers = 2;
    settings.spawn_writer = [this](caf::local_actor* self, uint32_t slot) {
      spawned_slots.push_back(slot);
      spawned.push_back(self->spawn(fake_writer, statuses[slot]));
      return spawned.back();
    };
    supervisor = sys.spawn(digest_supervisor, settings);
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  http::reply get(const std::string& path) { return test::get_from(*this, supervisor, path); }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(digest_supervisor_tests, fixture)

CAF_TEST(every writer slot is started) {
  CAF_CHECK_EQUAL(spawned_slots, (std::vector<uint32_t>{0, 1}));
  CAF_CHECK_EQUAL(get("/healthz").status, 200);
}

CAF_TEST(metrics are the writers figures summed) {
  auto r = get("/metrics");
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK(contains(r.body, "\nnodepulse_digest_rows_total 10\n"));
  CAF_CHECK(contains(r.body, "\nnodepulse_digest_transactions_total 2\n"));
  CAF_CHECK(contains(r.body, "nodepulse_digest_writers 2\n"));
  CAF_CHECK(contains(r.body, "\nnodepulse_digest_stream_length 7\n"));
  CAF_CHECK(contains(r.body, "\nnodepulse_digest_pending_entries 2\n"));
  CAF_CHECK(contains(r.body, "\nnodepulse_digest_writer_restarts_total 0\n"));
}

CAF_TEST(ready only while every writer reaches both stores) {
  CAF_CHECK_EQUAL(get("/readyz").status, 200);
  statuses[1]->database_reachable = false;
  statuses[1]->database_error = "connection refused";
  auto r = get("/readyz");
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK(contains(r.body, "PostgreSQL is unreachable: connection refused"));
  statuses[1]->database_reachable = true;
  statuses[0]->stream_reachable = false;
  statuses[0]->stream_error = "Server closed the connection";
  r = get("/readyz");
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK(contains(r.body, "Valkey is unreachable: Server closed the connection"));
}

CAF_TEST(a dead writer is restarted in its slot after a backoff) {
  caf::anon_send_exit(spawned[1], caf::exit_reason::kill);
  sched.run();
  auto r = get("/readyz");
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK(contains(r.body, "a DB writer is restarting"));
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_digest_writers 1\n"));
  CAF_CHECK_EQUAL(spawned_slots.size(), 2u);
  sched.clock().advance_time(std::chrono::milliseconds{50});
  sched.run();
  CAF_CHECK_EQUAL(spawned_slots, (std::vector<uint32_t>{0, 1, 1}));
  CAF_CHECK_EQUAL(get("/readyz").status, 200);
  CAF_CHECK(contains(get("/metrics").body, "\nnodepulse_digest_writer_restarts_total 1\n"));
}

CAF_TEST(unknown paths and methods are refused) {
  CAF_CHECK_EQUAL(get("/nope").status, 404);
  auto log = std::make_shared<std::vector<http::reply>>();
  self->send(supervisor, http_atom::value,
             test::exchange_into(test::make_request("POST", "/metrics"), log));
  sched.run();
  CAF_REQUIRE_EQUAL(log->size(), 1u);
  CAF_CHECK_EQUAL(log->front().status, 405);
}

CAF_TEST(the remote read endpoint is supervised and reported) {
  std::vector<query_server_actor> servers;
  digest_supervisor_settings settings;
  settings.serve = false;
  settings.spawn_writer = [this](caf::local_actor* self, uint32_t) {
    return self->spawn(fake_writer, statuses[0]);
  };
  settings.spawn_query_server = [&servers](caf::local_actor* self) {
    query_server_settings q;
    q.serve = false;
    q.workers = 1;
    q.spawn_worker = [](caf::local_actor* self, uint32_t) {
      return self->spawn(query_worker, read_port{}, page::query_port{}, query_settings{});
    };
    servers.push_back(self->spawn(query_server, q));
    return servers.back();
  };
  auto digest = sys.spawn(digest_supervisor, settings);
  sched.run();
  auto get_from_digest = [&](const std::string& path) {
    return test::get_from(*this, digest, path);
  };
  CAF_CHECK_EQUAL(get_from_digest("/readyz").status, 200);
  CAF_CHECK(contains(get_from_digest("/metrics").body, "\nnodepulse_digest_query_workers 1\n"));
  caf::anon_send_exit(servers.back(), caf::exit_reason::kill);
  sched.run();
  auto r = get_from_digest("/readyz");
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK(contains(r.body, "the remote read endpoint (query.listen) is restarting"));
  sched.clock().advance_time(std::chrono::milliseconds{50});
  sched.run();
  CAF_CHECK_EQUAL(servers.size(), 2u);
  CAF_CHECK_EQUAL(get_from_digest("/readyz").status, 200);
  caf::anon_send_exit(digest, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
