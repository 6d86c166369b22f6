#define CAF_SUITE actors.agent.pusher
#include "unit/test_support.hpp"

#include "actors/agent/buffer.hpp"
#include "actors/agent/pusher.hpp"
#include "lib/http/inflate.hpp"
#include "unit/actors/agent/agent_fixture.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;
using std::chrono::milliseconds;
using test::scripted_ingest;
using test::sequence_of;

namespace {

constexpr int64_t t0 = 1764194400000; // 2025-11-26 22:00 UTC
const std::string server = test::agent_server_id;

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<scripted_ingest> ingest = std::make_shared<scripted_ingest>();
  buffer_actor buf;
  pusher_actor push;

  fixture() {
    buffer_settings b;
    b.durable = false; // the memory queue: same contract as the WAL, no files
    b.memory_max_records = 1000;
    b.tick = std::chrono::hours{1};
    buf = sys.spawn(buffer, b);
    sched.run();
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(push), caf::actor_cast<caf::actor>(buf)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  pusher_settings settings() {
    pusher_settings s;
    s.server_id = server;
    s.replay_per_second = 1000;
    s.jitter = [] { return 0.0; }; // the backoff's fixed half: 500 ms, 1 s, 2 s, ...
    s.post = ingest->post_fn(ingest);
    return s;
  }

  void start(pusher_settings s) {
    push = sys.spawn(pusher, std::move(s), buf);
    sched.run();
  }

  // Keeps a scrape in the buffer; with `fresh`, hands it to the pusher as a
  // scraper would.
  uint64_t scrape(const std::string& text, bool fresh = true) {
    auto rh = self->request(buf, caf::infinite, append_atom::value, buffered_scrape{0, t0, text});
    sched.run();
    uint64_t seq = 0;
    rh.receive([&](uint64_t s) { seq = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    if (fresh && push) {
      self->send(push, publish_atom::value, buffered_scrape{seq, t0, text});
      sched.run();
    }
    return seq;
  }

  buffer_status buffered() {
    auto rh = self->request(buf, caf::infinite, status_atom::value);
    sched.run();
    buffer_status out;
    rh.receive([&](buffer_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  pusher_status pushed() {
    auto rh = self->request(push, caf::infinite, status_atom::value);
    sched.run();
    pusher_status out;
    rh.receive([&](pusher_status& s) { out = s; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  void advance(milliseconds d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  std::vector<uint64_t> sequences_asked() const {
    std::vector<uint64_t> out;
    for (const auto& p : ingest->asked)
      out.push_back(sequence_of(p.batch_id));
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(pusher_tests, fixture)

CAF_TEST(each scrape is pushed once under a batch id that names it for good) {
  start(settings());
  auto first = scrape("up{job=\"a\"} 1 1764194400000\n");
  scrape("up{job=\"a\"} 0 1764194415000\n");
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 2u);
  const auto& p = ingest->asked.front();
  auto epoch = buffered().epoch;
  CAF_CHECK_EQUAL(p.batch_id, batch_id_of(server, epoch, first));
  CAF_CHECK_EQUAL(p.batch_id.rfind(server + ":", 0), 0u);
  CAF_CHECK_EQUAL(p.text, "up{job=\"a\"} 1 1764194400000\n");
  CAF_CHECK_EQUAL(p.header("Content-Encoding"), "zstd");
  CAF_CHECK_EQUAL(p.header("Content-Type"), "text/plain; version=0.0.4");
  CAF_CHECK_EQUAL(p.header("Authorization"), "");
  CAF_CHECK_EQUAL(buffered().records, 0u);
  CAF_CHECK_EQUAL(buffered().acknowledged, 2u);
  CAF_CHECK_EQUAL(pushed().pushed, 2u);
}

CAF_TEST(gzip and a bearer token when configured) {
  auto s = settings();
  s.encoding = http::content_encoding::gzip;
  s.token = "s3cret";
  start(s);
  scrape("x 1 1764194400000\n");
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 1u);
  CAF_CHECK_EQUAL(ingest->asked[0].header("Content-Encoding"), "gzip");
  CAF_CHECK_EQUAL(ingest->asked[0].text, "x 1 1764194400000\n");
  CAF_CHECK_EQUAL(ingest->asked[0].header("Authorization"), "Bearer s3cret");
}

CAF_TEST(server format json pushes the legacy report) {
  auto s = settings();
  s.legacy_json = true;
  start(s);
  scrape("node_memory_MemTotal_bytes 100 1764194400000\n"
         "node_memory_MemAvailable_bytes 25 1764194400000\n");
  scrape("up 1\n"); // nothing a report has: dropped and counted
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 1u);
  const auto& p = ingest->asked[0];
  CAF_CHECK_EQUAL(p.header("Content-Type"), "application/json");
  CAF_CHECK(p.text.find("\"usage_percent\":75.0") != std::string::npos);
  CAF_CHECK(p.text.find("\"server_id\":\"" + server + "\"") != std::string::npos);
  CAF_CHECK_EQUAL(pushed().dropped, 1u);
  CAF_CHECK_EQUAL(buffered().records, 0u);
}

CAF_TEST(nothing is acknowledged without a 2xx) {
  start(settings());
  ingest->answer(500);
  scrape("x 1\n");
  CAF_CHECK_EQUAL(ingest->asked.size(), 1u);
  CAF_CHECK_EQUAL(buffered().records, 1u);
  CAF_CHECK_EQUAL(buffered().acknowledged, 0u);
  auto st = pushed();
  CAF_CHECK_EQUAL(st.retries, 1u);
  CAF_CHECK_EQUAL(st.failures_in_row, 1u);
  CAF_CHECK_EQUAL(st.pushed, 0u);
  advance(milliseconds{500}); // the retry, answered 200
  CAF_CHECK_EQUAL(ingest->asked.size(), 2u);
  CAF_CHECK_EQUAL(ingest->asked[1].batch_id, ingest->asked[0].batch_id);
  CAF_CHECK_EQUAL(buffered().records, 0u);
  CAF_CHECK_EQUAL(pushed().failures_in_row, 0u);
}

CAF_TEST(failures back off exponentially and never sooner than Retry - After) {
  start(settings());
  ingest->answer(503);
  ingest->refuse_connections(1);
  ingest->answer(502);
  ingest->answer(429, 30);
  scrape("x 1\n");
  CAF_CHECK_EQUAL(ingest->asked.size(), 1u);
  // 500 ms, then 1 s, then 2 s: each wait is the base doubling (jitter 0).
  for (auto wait : {500, 1000, 2000}) {
    advance(milliseconds{wait - 1});
    auto before = ingest->asked.size();
    advance(milliseconds{1});
    CAF_CHECK_EQUAL(ingest->asked.size(), before + 1);
  }
  // The 429 asked for 30 s, longer than the 4 s the backoff would wait.
  advance(milliseconds{29'999});
  CAF_CHECK_EQUAL(ingest->asked.size(), 4u);
  advance(milliseconds{1});
  CAF_CHECK_EQUAL(ingest->asked.size(), 5u);
  CAF_CHECK_EQUAL(buffered().records, 0u);
  CAF_CHECK_EQUAL(pushed().retries, 4u);
}

CAF_TEST(jitter spreads the wait between half and all of the backoff) {
  agent::backoff_policy p;
  CAF_CHECK_EQUAL(agent::push_backoff(p, 1, 0.0, -1), milliseconds{500});
  CAF_CHECK_EQUAL(agent::push_backoff(p, 1, 0.5, -1), milliseconds{750});
  CAF_CHECK_EQUAL(agent::push_backoff(p, 3, 0.999, -1).count(), 3998);
  CAF_CHECK_EQUAL(agent::push_backoff(p, 30, 0.0, -1), milliseconds{30'000}); // cap 60 s
  CAF_CHECK_EQUAL(agent::push_backoff(p, 1, 0.0, 5), milliseconds{5'000});
  CAF_CHECK_EQUAL(agent::push_backoff(p, 1, 0.0, 86'400), milliseconds{600'000});
}

CAF_TEST(other 4xx drop the batch and count it and the next goes on) {
  start(settings());
  ingest->answer(400);
  scrape("bad{ 1\n");
  scrape("good 1\n");
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 2}));
  auto st = pushed();
  CAF_CHECK_EQUAL(st.dropped, 1u);
  CAF_CHECK_EQUAL(st.pushed, 1u);
  CAF_CHECK_EQUAL(st.retries, 0u);
  CAF_CHECK(st.last_error.find("HTTP 400") != std::string::npos);
  CAF_CHECK_EQUAL(buffered().records, 0u);
}

CAF_TEST(a refused token is retried since it is the agent and not the batch) {
  start(settings());
  ingest->answer(401);
  ingest->answer(403);
  scrape("x 1\n");
  advance(milliseconds{500});
  CAF_CHECK_EQUAL(buffered().records, 1u);
  CAF_CHECK_EQUAL(pushed().dropped, 0u);
  advance(milliseconds{1000});
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 1, 1}));
  CAF_CHECK_EQUAL(buffered().records, 0u);
}

CAF_TEST(a backlog replays oldest first at the rate limit with fresh scrapes ahead) {
  // Ten scrapes kept while the agent was not running: the backlog.
  for (int i = 1; i <= 10; ++i)
    scrape("x " + std::to_string(i) + "\n", false);
  auto s = settings();
  s.replay_per_second = 2;
  start(s);
  // At most a second's worth right away, then two per second.
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 2}));
  advance(milliseconds{1000});
  CAF_CHECK_EQUAL(ingest->asked.size(), 4u);
  auto fresh = scrape("x fresh\n"); // goes out at once, ahead of the backlog
  CAF_CHECK_EQUAL(ingest->asked.size(), 5u);
  CAF_CHECK_EQUAL(sequence_of(ingest->asked.back().batch_id), fresh);
  for (int i = 0; i < 4; ++i)
    advance(milliseconds{1000});
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 2, 3, 4, 11, 5, 6, 7, 8, 9, 10}));
  CAF_CHECK_EQUAL(buffered().records, 0u);
  CAF_CHECK_EQUAL(buffered().acknowledged, 11u);
  auto st = pushed();
  CAF_CHECK_EQUAL(st.pushed, 11u);
  CAF_CHECK_EQUAL(st.pushed_fresh, 1u);
}

CAF_TEST(scrapes kept during an outage arrive in order once the ingest is back) {
  start(settings());
  ingest->refuse_connections(3);
  scrape("x 1\n");            // refused: 500 ms backoff
  scrape("x 2\n");            // kept, not tried while failing
  advance(milliseconds{500}); // refused again: 1 s
  scrape("x 3\n");
  advance(milliseconds{1000}); // refused again: 2 s
  scrape("x 4\n");
  advance(milliseconds{2000}); // back
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 1, 1, 1, 2, 3, 4}));
  CAF_CHECK_EQUAL(buffered().records, 0u);
  CAF_CHECK_EQUAL(pushed().pushed, 4u);
}

CAF_TEST(every push says what the agent dropped itself) {
  caf::anon_send_exit(buf, caf::exit_reason::user_shutdown);
  buffer_settings b;
  b.durable = false;
  b.memory_max_records = 3; // a small cap, reached during the outage
  b.tick = std::chrono::hours{1};
  buf = sys.spawn(buffer, b);
  sched.run();
  start(settings());
  ingest->refuse_connections(1);
  for (int i = 1; i <= 5; ++i)
    scrape("x " + std::to_string(i) + "\n"); // 1 refused; 1 and 2 dropped by the cap
  CAF_CHECK_EQUAL(buffered().dropped_through, 2u);
  ingest->answer(400); // 3 refused for good
  advance(milliseconds{1000});
  CAF_REQUIRE_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 3, 4, 5}));
  CAF_CHECK_EQUAL(ingest->asked[0].header("X-Agent-Dropped"),
                  "through=0,retention=0,size=0,torn=0,corrupt=0,refused=0");
  CAF_CHECK_EQUAL(ingest->asked[1].header("X-Agent-Dropped"),
                  "through=2,retention=0,size=2,torn=0,corrupt=0,refused=0");
  CAF_CHECK_EQUAL(ingest->asked[3].header("X-Agent-Dropped"),
                  "through=2,retention=0,size=2,torn=0,corrupt=0,refused=1");
}

CAF_TEST(a restarted pusher goes on from what the buffer acknowledged) {
  start(settings());
  scrape("x 1\n");
  scrape("x 2\n");
  caf::anon_send_exit(push, caf::exit_reason::kill);
  sched.run();
  scrape("x 3\n", false); // kept while no pusher runs
  start(settings());
  CAF_CHECK_EQUAL(sequences_asked(), (std::vector<uint64_t>{1, 2, 3}));
  CAF_CHECK_EQUAL(buffered().acknowledged, 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()
