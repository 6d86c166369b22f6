#define CAF_SUITE actors.agent.scraper
#include "unit/test_support.hpp"

#include "actors/agent/buffer.hpp"
#include "actors/agent/pusher.hpp"
#include "actors/agent/scraper.hpp"
#include "unit/actors/agent/agent_fixture.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;
using std::chrono::milliseconds;

namespace {

constexpr int64_t t0 = 1764194400000; // a multiple of 15 s

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<test::scripted_ingest> ingest = std::make_shared<test::scripted_ingest>();
  std::shared_ptr<test::scripted_exporter> exporter = std::make_shared<test::scripted_exporter>();
  caf::actor_clock::time_point started = sched.clock().now();
  int64_t wall_offset = 1000; // the wall clock at start: t0 + 1 s
  buffer_actor buf;
  pusher_actor push;
  scraper_actor scr;

  fixture() {
    buffer_settings b;
    b.durable = false;
    b.tick = std::chrono::hours{1};
    buf = sys.spawn(buffer, b);
    pusher_settings p;
    p.server_id = test::agent_server_id;
    p.post = test::scripted_ingest::post_fn(ingest);
    push = sys.spawn(pusher, p, buf);
    sched.run();
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(scr), caf::actor_cast<caf::actor>(push),
                   caf::actor_cast<caf::actor>(buf)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  int64_t wall_now() {
    auto elapsed = std::chrono::duration_cast<milliseconds>(sched.clock().now() - started);
    return t0 + wall_offset + elapsed.count();
  }

  void start(milliseconds offset = milliseconds{3000}) {
    scraper_settings s;
    s.job = "node";
    s.url = "http://127.0.0.1:9100/metrics";
    s.interval = milliseconds{15'000};
    s.timeout = milliseconds{10'000};
    s.offset = offset;
    s.fetch = test::scripted_exporter::fetch_fn(exporter);
    s.now_ms = [this] { return wall_now(); };
    scr = sys.spawn(scraper, s, buf, push);
    sched.run();
  }

  void advance(milliseconds d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  scraper_status status() {
    auto rh = self->request(scr, caf::infinite, status_atom::value);
    sched.run();
    scraper_status out;
    rh.receive([&](scraper_status& s) { out = s; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(scraper_tests, fixture)

CAF_TEST(scrapes happen at the offset into each interval) {
  CAF_CHECK_EQUAL(next_aligned_ms(t0 + 1000, 15'000, 3000), t0 + 3000);
  CAF_CHECK_EQUAL(next_aligned_ms(t0 + 3000, 15'000, 3000), t0 + 3000);
  CAF_CHECK_EQUAL(next_aligned_ms(t0 + 3001, 15'000, 3000), t0 + 18'000);
  start(); // at t0 + 1 s: the first slot is t0 + 3 s
  advance(milliseconds{1999});
  CAF_CHECK_EQUAL(exporter->fetches, 0);
  advance(milliseconds{1});
  CAF_CHECK_EQUAL(exporter->fetches, 1);
  advance(milliseconds{14'999});
  CAF_CHECK_EQUAL(exporter->fetches, 1);
  advance(milliseconds{1});
  CAF_CHECK_EQUAL(exporter->fetches, 2);
}

CAF_TEST(each scrape is kept stamped with its time then handed to the pusher) {
  start();
  advance(milliseconds{2000});
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 1u);
  const auto& text = ingest->asked[0].text;
  auto stamp = std::to_string(t0 + 3000);
  CAF_CHECK(contains(text, "node_load1 0.5 " + stamp + "\n"));
  CAF_CHECK(contains(text, "up{job=\"node\"} 1 " + stamp + "\n"));
  CAF_CHECK(contains(text, "scrape_samples_scraped{job=\"node\"} 1 " + stamp + "\n"));
  CAF_CHECK_EQUAL(test::sequence_of(ingest->asked[0].batch_id), 1u);
  auto st = status();
  CAF_CHECK_EQUAL(st.up, 1u);
  CAF_CHECK_EQUAL(st.samples, 1u);
  CAF_CHECK(st.last_up);
}

CAF_TEST(an exporter that is down gives up 0 and the scraper carries on) {
  agent::http_result refused;
  refused.error = "connection refused";
  agent::http_result failing;
  failing.status = 500;
  exporter->answers = {refused, failing};
  start();
  advance(milliseconds{2000});
  advance(milliseconds{15'000});
  advance(milliseconds{15'000});
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 3u);
  CAF_CHECK(contains(ingest->asked[0].text, "up{job=\"node\"} 0 "));
  CAF_CHECK(contains(ingest->asked[1].text, "up{job=\"node\"} 0 "));
  CAF_CHECK(contains(ingest->asked[2].text, "up{job=\"node\"} 1 "));
  auto st = status();
  CAF_CHECK_EQUAL(st.down, 2u);
  CAF_CHECK_EQUAL(st.up, 1u);
  CAF_CHECK(st.last_up);
}

CAF_TEST(malformed lines are counted and the rest is pushed) {
  exporter->body = "good 1\nbad{ 2\n";
  start();
  advance(milliseconds{2000});
  CAF_REQUIRE_EQUAL(ingest->asked.size(), 1u);
  CAF_CHECK(contains(ingest->asked[0].text, "good 1 "));
  CAF_CHECK_EQUAL(status().bad_lines, 1u);
}

CAF_TEST(a scrape that overran its slot skips to the next one) {
  start(milliseconds{0});
  wall_offset = 1000 + 40'000;   // the wall clock jumps 40 s (a scrape that hung)
  advance(milliseconds{14'000}); // the slot at t0 + 15 s, run at t0 + 55 s
  CAF_CHECK_EQUAL(exporter->fetches, 1);
  // The slots at 30 s and 45 s are gone; the next is t0 + 60 s, 5 s away.
  advance(milliseconds{4999});
  CAF_CHECK_EQUAL(exporter->fetches, 1);
  advance(milliseconds{1});
  CAF_CHECK_EQUAL(exporter->fetches, 2);
}

CAF_TEST_FIXTURE_SCOPE_END()
