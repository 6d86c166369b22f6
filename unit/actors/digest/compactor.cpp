#define CAF_SUITE actors.digest.compactor
#include "unit/test_support.hpp"

#include "actors/digest/compactor.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;

namespace {

constexpr int64_t now = 1764194400000 + 25 * 60'000; // 2025-11-26 22:25 UTC
constexpr int64_t hour = 3'600'000;

// PostgreSQL's side of compaction as a test scripts it: periods with
// series ranges; records every call.
struct scripted_store : digest::compaction_store {
  std::vector<digest::hot_period> periods;
  bool held_elsewhere = false; // another digest holds the lock
  int fail_at_step = -1;       // compact() fails at this call (0-based)
  bool locked = false;
  int compacts = 0;
  std::vector<std::string> calls;
  int64_t asked_before = 0;

  bool lock(bool wait, bool& got, digest::db_error&) override {
    calls.push_back(wait ? "lock wait" : "try lock");
    got = !held_elsewhere;
    locked = got;
    return true;
  }
  void unlock() override {
    calls.push_back("unlock");
    locked = false;
  }
  std::optional<std::vector<digest::hot_period>> periods_before(int64_t before,
                                                                digest::db_error&) override {
    asked_before = before;
    return periods;
  }
  std::optional<digest::compacted_chunk> compact(const digest::hot_period& p, int64_t,
                                                 int64_t first, int64_t last,
                                                 digest::db_error& error) override {
    if (compacts++ == fail_at_step) {
      error.message = "server closed the connection unexpectedly";
      error.connection_lost = true;
      return std::nullopt;
    }
    calls.push_back("compact " + std::to_string(p.start_ms / hour) + "h " + std::to_string(first)
                    + ".." + std::to_string(last));
    auto n = last - first + 1;
    return digest::compacted_chunk{n, n * 480, 0, n * 480};
  }
  std::optional<bool> drop_if_empty(int64_t start, digest::db_error&) override {
    calls.push_back("drop " + std::to_string(start / hour) + "h");
    return true;
  }
};

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<scripted_store> db = std::make_shared<scripted_store>();
  compactor_actor compactor_handle;

  void spawn() {
    compactor_settings s;
    s.every = std::chrono::minutes{5};
    s.hot_period_ms = 2 * hour;
    s.chunk_series = 100;
    s.now_ms = [] { return now; };
    compactor_handle = sys.spawn(compactor, db, s);
  }

  void start() {
    spawn();
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(compactor_handle, caf::exit_reason::user_shutdown);
    sched.run();
  }

  compaction_status status() {
    auto rh = self->request(compactor_handle, caf::infinite, status_atom::value);
    sched.run();
    compaction_status s;
    rh.receive([&](compaction_status& x) { s = std::move(x); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return s;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(compactor_tests, fixture)

CAF_TEST(a run compacts every range of every period before the cutoff then drops them) {
  // 22:25 minus two hours is 20:25: everything before 20:00 (a period's start);
  // the periods are early in 1970, so they are all before it.
  db->periods = {{16 * hour, 1, 150}, {18 * hour, 101, 200}};
  start();
  CAF_CHECK_EQUAL(db->asked_before, 1764194400000 - 2 * hour);
  CAF_CHECK_EQUAL(db->calls, (std::vector<std::string>{
                               "try lock", "compact 16h 1..100", "compact 16h 101..150", "drop 16h",
                               "compact 18h 101..200", "drop 18h", "unlock"}));
  auto s = status();
  CAF_CHECK_EQUAL(s.runs, 1u);
  CAF_CHECK_EQUAL(s.blocks_written, 250u);
  CAF_CHECK_EQUAL(s.samples_moved, 250u * 480);
  CAF_CHECK_EQUAL(s.partitions_dropped, 2u);
  CAF_CHECK(!s.running);
  CAF_CHECK_EQUAL(s.last_cutoff_ms, 1764194400000 - 2 * hour);
}

CAF_TEST(the next run comes every interval) {
  start();
  CAF_CHECK_EQUAL(db->calls, (std::vector<std::string>{"try lock", "unlock"}));
  sched.clock().advance_time(std::chrono::minutes{5});
  sched.run();
  CAF_CHECK_EQUAL(db->calls.size(), 4u);
}

CAF_TEST(it answers while a run goes on with one step per message) {
  db->periods = {{16 * hour, 1, 1000}};
  spawn();
  sched.run_once(); // poll: the run starts
  sched.run_once(); // the first step
  auto rh = self->request(compactor_handle, caf::infinite, status_atom::value);
  sched.run_once(); // the second step
  sched.run_once(); // the status request
  compaction_status s;
  rh.receive([&](compaction_status& x) { s = std::move(x); },
             [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK(s.running);
  CAF_CHECK_EQUAL(s.steps_done, 2u);
  CAF_CHECK_EQUAL(s.steps_total, 10u);
  sched.run();
  CAF_CHECK_EQUAL(status().steps_done, 10u);
  CAF_CHECK(!db->locked);
}

CAF_TEST(a compaction another digest holds is skipped and counted) {
  db->held_elsewhere = true;
  db->periods = {{16 * hour, 1, 10}};
  start();
  CAF_CHECK_EQUAL(db->calls, (std::vector<std::string>{"try lock"}));
  CAF_CHECK_EQUAL(status().runs_busy, 1u);
  CAF_CHECK_EQUAL(status().runs, 0u);
}

CAF_TEST(a run PostgreSQL cuts short is counted and releases the lock and the next one goes on) {
  db->periods = {{16 * hour, 1, 300}};
  db->fail_at_step = 1;
  start();
  auto s = status();
  CAF_CHECK_EQUAL(s.failures, 1u);
  CAF_CHECK(!s.database_reachable);
  CAF_CHECK_EQUAL(s.error, "server closed the connection unexpectedly");
  CAF_CHECK_EQUAL(s.blocks_written, 100u);
  CAF_CHECK(!db->locked);
  sched.clock().advance_time(std::chrono::minutes{5});
  sched.run();
  s = status();
  CAF_CHECK(s.database_reachable);
  CAF_CHECK_EQUAL(s.runs, 1u);
  CAF_CHECK_EQUAL(s.blocks_written, 400u); // all three ranges again: the scripted store forgets
}

CAF_TEST_FIXTURE_SCOPE_END()
