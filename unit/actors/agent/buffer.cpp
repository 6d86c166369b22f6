#define CAF_SUITE actors.agent.buffer
#include "unit/test_support.hpp"

#include "actors/agent/buffer.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace nodepulse;

namespace {

constexpr int64_t t0 = 1764194400000; // 2025-11-26 22:00 UTC

struct fixture : test_coordinator_fixture<test::system_config> {
  std::string dir;
  int64_t now = t0;
  buffer_actor buf;

  fixture() {
    char tmpl[] = "/tmp/nodepulse-buffer-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      CAF_FAIL("mkdtemp failed");
    dir = tmpl;
  }

  ~fixture() {
    stop();
    std::filesystem::remove_all(dir);
  }

  buffer_settings settings(bool durable = true) {
    buffer_settings s;
    s.durable = durable;
    s.wal.dir = dir + "/wal";
    s.wal.retention_ms = 3'600'000;
    s.tick = std::chrono::milliseconds{1000};
    s.now_ms = [this] { return now; };
    return s;
  }

  void start(buffer_settings s) {
    buf = sys.spawn(buffer, std::move(s));
    sched.run();
  }

  void stop() {
    if (buf)
      caf::anon_send_exit(buf, caf::exit_reason::user_shutdown);
    sched.run();
    buf = nullptr;
  }

  uint64_t append(int64_t time_ms, std::string text) {
    auto rh = self->request(buf, caf::infinite, append_atom::value,
                            buffered_scrape{0, time_ms, std::move(text)});
    sched.run();
    uint64_t seq = 0;
    rh.receive([&](uint64_t s) { seq = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return seq;
  }

  std::vector<buffered_scrape> take(uint64_t after, uint32_t max = 100) {
    auto rh = self->request(buf, caf::infinite, take_atom::value, after, max);
    sched.run();
    std::vector<buffered_scrape> out;
    rh.receive([&](std::vector<buffered_scrape>& v) { out = std::move(v); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  buffer_status status() {
    auto rh = self->request(buf, caf::infinite, status_atom::value);
    sched.run();
    buffer_status out;
    rh.receive([&](buffer_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }
};

std::vector<uint64_t> sequences(const std::vector<buffered_scrape>& v) {
  std::vector<uint64_t> out;
  for (const auto& s : v)
    out.push_back(s.sequence);
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(buffer_tests, fixture)

CAF_TEST(scrapes are kept in order and outlive the actor) {
  start(settings());
  CAF_CHECK_EQUAL(append(t0, "up 1\n"), 1u);
  CAF_CHECK_EQUAL(append(t0 + 15'000, "up 1\n"), 2u);
  CAF_CHECK_EQUAL(append(t0 + 30'000, "up 0\n"), 3u);
  auto epoch = status().epoch;
  stop(); // a crash or a restart
  start(settings());
  auto kept = take(0);
  CAF_CHECK_EQUAL(sequences(kept), (std::vector<uint64_t>{1, 2, 3}));
  CAF_CHECK_EQUAL(kept.at(2).text, "up 0\n");
  CAF_CHECK_EQUAL(kept.at(1).time_ms, t0 + 15'000);
  CAF_CHECK_EQUAL(status().epoch, epoch);
  CAF_CHECK(status().durable);
}

CAF_TEST(acknowledged scrapes are not handed out again) {
  start(settings());
  for (int i = 0; i < 5; ++i)
    append(t0 + i, "x " + std::to_string(i) + "\n");
  self->send(buf, ack_atom::value, uint64_t{3});
  sched.run();
  CAF_CHECK_EQUAL(sequences(take(0)), (std::vector<uint64_t>{4, 5}));
  CAF_CHECK_EQUAL(sequences(take(4)), std::vector<uint64_t>{5});
  CAF_CHECK_EQUAL(status().records, 2u);
  stop();
  start(settings());
  CAF_CHECK_EQUAL(sequences(take(0)), (std::vector<uint64_t>{4, 5}));
}

CAF_TEST(the tick applies the retention and counts what it dropped) {
  auto s = settings();
  s.wal.segment_bytes = 64 * 1024; // the floor: a segment per ~3 noisy scrapes
  start(s);
  std::mt19937 random{42};
  std::string big(30'000, 'a');
  for (int i = 0; i < 12; ++i) {
    for (auto& c : big) // text that does not compress away
      c = static_cast<char>('a' + random() % 26);
    append(t0 + i * 600'000, big); // every 10 minutes
  }
  now = t0 + 12 * 600'000;
  sched.clock().advance_time(std::chrono::milliseconds{1000});
  sched.run();
  auto st = status();
  CAF_CHECK_GREATER(st.dropped_retention, 0u);
  CAF_CHECK_EQUAL(st.records + st.dropped_retention, 12u);
  for (const auto& k : take(0, 100))
    CAF_CHECK_GREATER(k.time_ms, t0); // the oldest went first
}

CAF_TEST(without the WAL a bounded queue in memory keeps the newest) {
  auto s = settings(false);
  s.memory_max_records = 4;
  start(s);
  for (int i = 1; i <= 6; ++i)
    CAF_CHECK_EQUAL(append(t0 + i, "n " + std::to_string(i) + "\n"), uint64_t(i));
  CAF_CHECK_EQUAL(sequences(take(0)), (std::vector<uint64_t>{3, 4, 5, 6}));
  auto st = status();
  CAF_CHECK(!st.durable);
  CAF_CHECK_EQUAL(st.dropped_size, 2u);
  self->send(buf, ack_atom::value, uint64_t{4});
  sched.run();
  CAF_CHECK_EQUAL(sequences(take(0)), (std::vector<uint64_t>{5, 6}));
  CAF_CHECK(!std::filesystem::exists(dir + "/wal"));
}

CAF_TEST(an unusable WAL directory stops the buffer with the reason) {
  auto s = settings();
  s.wal.dir = "/proc/nodepulse-cannot-be-here/wal";
  buf = sys.spawn(buffer, s);
  self->monitor(buf);
  sched.run();
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; });
  CAF_CHECK(reason);
  CAF_CHECK(sys.render(reason).find("/proc/nodepulse-cannot-be-here/wal") != std::string::npos);
  buf = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()
