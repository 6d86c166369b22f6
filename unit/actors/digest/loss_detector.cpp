#define CAF_SUITE actors.digest.loss_detector
#include "unit/test_support.hpp"

#include "actors/digest/loss_detector.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <deque>
#include <memory>

using namespace nodepulse;

namespace {

// Stands in for PostgreSQL's detection pass: answers what a test scripts.
struct scripted_passes {
  std::deque<std::optional<std::vector<pg::loss_event>>> answers;
  std::vector<std::chrono::seconds> asked;
};

pg::loss_event loss(int64_t first, int64_t last) {
  pg::loss_event e;
  e.kind = pg::loss_event::loss;
  e.server_id = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
  e.epoch = "00000000000000aa";
  e.first_sequence = first;
  e.last_sequence = last;
  return e;
}

pg::loss_event epoch(std::string name, std::string previous) {
  pg::loss_event e;
  e.kind = pg::loss_event::new_epoch;
  e.server_id = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
  e.epoch = std::move(name);
  e.previous_epoch = std::move(previous);
  e.first_sequence = e.last_sequence = 1;
  return e;
}

// Stands in for Valkey: how long the stream's oldest entry has waited, or
// nullopt for "did not answer".
struct scripted_stream {
  std::optional<std::chrono::milliseconds> oldest_age{std::chrono::milliseconds{0}};
  uint64_t asked = 0;
};

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<scripted_passes> db = std::make_shared<scripted_passes>();
  std::shared_ptr<scripted_stream> stream = std::make_shared<scripted_stream>();
  loss_detector_actor detector;

  void start() {
    loss_detector_settings settings;
    settings.settle = std::chrono::seconds{90};
    settings.every = std::chrono::seconds{60};
    auto passes = db;
    auto valkey = stream;
    detector = sys.spawn(
      loss_detector,
      [passes](std::chrono::seconds settle,
               std::string& error) -> std::optional<std::vector<pg::loss_event>> {
        passes->asked.push_back(settle);
        if (passes->answers.empty())
          return std::vector<pg::loss_event>{};
        auto answer = std::move(passes->answers.front());
        passes->answers.pop_front();
        if (!answer)
          error = "connection refused";
        return answer;
      },
      [valkey](std::string& error) {
        ++valkey->asked;
        if (!valkey->oldest_age)
          error = "Connection refused";
        return valkey->oldest_age;
      },
      settings);
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(detector, caf::exit_reason::user_shutdown);
    sched.run();
  }

  loss_status status() {
    auto rh = self->request(detector, caf::infinite, status_atom::value);
    sched.run();
    loss_status s;
    rh.receive([&](loss_status& x) { s = std::move(x); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return s;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(loss_detector_tests, fixture)

CAF_TEST(a pass runs at start and then every interval with the settle time) {
  start();
  CAF_CHECK_EQUAL(db->asked.size(), 1u);
  CAF_CHECK_EQUAL(db->asked[0].count(), 90);
  sched.clock().advance_time(std::chrono::seconds{60});
  sched.run();
  CAF_CHECK_EQUAL(db->asked.size(), 2u);
  CAF_CHECK_EQUAL(status().passes, 2u);
}

CAF_TEST(gaps found are counted by range and by batch) {
  db->answers.push_back(std::vector<pg::loss_event>{loss(3, 3), loss(10, 14)});
  start();
  auto s = status();
  CAF_CHECK_EQUAL(s.loss_ranges, 2u);
  CAF_CHECK_EQUAL(s.batches_lost, 6u);
  CAF_CHECK(s.database_reachable);
}

CAF_TEST(gaps the agent dropped itself are counted apart from losses) {
  auto dropped = loss(1, 40);
  dropped.kind = pg::loss_event::dropped_by_agent;
  dropped.agent_drops = "through=40,retention=0,size=40,torn=0,corrupt=0,refused=0";
  db->answers.push_back(std::vector<pg::loss_event>{dropped, loss(41, 41)});
  start();
  auto s = status();
  CAF_CHECK_EQUAL(s.agent_drop_ranges, 1u);
  CAF_CHECK_EQUAL(s.batches_dropped_by_agents, 40u);
  CAF_CHECK_EQUAL(s.loss_ranges, 1u);
  CAF_CHECK_EQUAL(s.batches_lost, 1u);
}

CAF_TEST(the first epoch of a server is no news and a later one is counted) {
  db->answers.push_back(std::vector<pg::loss_event>{epoch("00000000000000aa", "")});
  db->answers.push_back(std::vector<pg::loss_event>{epoch("00000000000000bb", "00000000000000aa")});
  start();
  sched.clock().advance_time(std::chrono::seconds{60});
  sched.run();
  auto s = status();
  CAF_CHECK_EQUAL(s.epochs, 2u);
  CAF_CHECK_EQUAL(s.new_epochs, 1u);
  CAF_CHECK_EQUAL(s.loss_ranges, 0u);
}

CAF_TEST(a pass PostgreSQL does not answer is counted and the next one tried) {
  db->answers.push_back(std::nullopt);
  db->answers.push_back(std::vector<pg::loss_event>{loss(5, 5)});
  start();
  auto down = status();
  CAF_CHECK(!down.database_reachable);
  CAF_CHECK_EQUAL(down.failures, 1u);
  CAF_CHECK_EQUAL(down.error, "PostgreSQL: connection refused");
  sched.clock().advance_time(std::chrono::seconds{60});
  sched.run();
  auto back = status();
  CAF_CHECK(back.database_reachable);
  CAF_CHECK_EQUAL(back.loss_ranges, 1u);
}

CAF_TEST(a gap must stay open as long again as the oldest entry still in the stream) {
  // A batch may wait in the stream for a dead writer's idle timeout or
  // through a PostgreSQL outage: until the stream's oldest entry is older
  // than the gap, the missing batch may be that entry.
  stream->oldest_age = std::chrono::milliseconds{125'300};
  start();
  CAF_REQUIRE_EQUAL(db->asked.size(), 1u);
  CAF_CHECK_EQUAL(db->asked[0].count(), 90 + 126);
  CAF_CHECK_EQUAL(status().settle_seconds, 216);
  stream->oldest_age = std::chrono::milliseconds{0};
  sched.clock().advance_time(std::chrono::seconds{60});
  sched.run();
  CAF_REQUIRE_EQUAL(db->asked.size(), 2u);
  CAF_CHECK_EQUAL(db->asked[1].count(), 90);
}

CAF_TEST(no gap is judged while Valkey does not answer) {
  stream->oldest_age = std::nullopt;
  db->answers.push_back(std::vector<pg::loss_event>{loss(5, 5)});
  start();
  auto down = status();
  CAF_CHECK(db->asked.empty());
  CAF_CHECK_EQUAL(down.skipped, 1u);
  CAF_CHECK(!down.stream_reachable);
  CAF_CHECK_EQUAL(down.error, "Valkey: Connection refused");
  CAF_CHECK_EQUAL(down.loss_ranges, 0u);
  stream->oldest_age = std::chrono::milliseconds{0};
  sched.clock().advance_time(std::chrono::seconds{60});
  sched.run();
  auto back = status();
  CAF_CHECK_EQUAL(db->asked.size(), 1u);
  CAF_CHECK(back.stream_reachable);
  CAF_CHECK_EQUAL(back.loss_ranges, 1u);
  CAF_CHECK_EQUAL(back.skipped, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
