#define CAF_SUITE actors.agent.agent_supervisor
#include "unit/test_support.hpp"

#include "actors/agent/agent_supervisor.hpp"
#include "actors/agent/buffer.hpp"
#include "actors/agent/discoverer.hpp"
#include "actors/agent/scraper.hpp"
#include "unit/actors/agent/agent_fixture.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace nodepulse;
using std::chrono::milliseconds;

namespace {

constexpr int64_t t0 = 1764194400000;

scrape_target target(const std::string& job, int64_t offset_ms) {
  scrape_target t;
  t.job = job;
  t.url = "http://127.0.0.1:9100/" + job;
  t.interval = milliseconds{15'000};
  t.timeout = milliseconds{5'000};
  t.offset = milliseconds{offset_ms};
  return t;
}

// Stands in for a pusher with a push in flight when it is told to stop: it
// finishes `linger` later. (It takes an argument because CAF 0.17 spawns a
// function actor without arguments by dereferencing a null tuple pointer.)
pusher_actor::behavior_type lingering_pusher(pusher_actor::pointer self, milliseconds linger) {
  self->set_exit_handler(
    [self, linger](caf::exit_msg&) { self->delayed_send(self, linger, tick_atom::value); });
  return {
    [](publish_atom, buffered_scrape&) {},
    [](poll_atom) {},
    [self](tick_atom) { self->quit(caf::exit_reason::user_shutdown); },
    [](status_atom) { return pusher_status{}; },
  };
}

// Notes `name` in `log` when the actor behind `handle` ends.
template <class Handle>
Handle noting_end(Handle handle, std::string name, std::shared_ptr<std::vector<std::string>> log) {
  caf::actor_cast<caf::abstract_actor*>(handle)->attach_functor(
    [name = std::move(name), log] { log->push_back(name); });
  return handle;
}

struct fixture : test_coordinator_fixture<test::system_config> {
  std::shared_ptr<test::scripted_ingest> ingest = std::make_shared<test::scripted_ingest>();
  std::map<std::string, std::shared_ptr<test::scripted_exporter>> exporters;
  std::map<std::string, int> spawned; // scrapers spawned per job
  caf::actor_clock::time_point started = sched.clock().now();
  std::optional<agent_plan> next_plan;   // what a reload reads
  std::map<std::string, bool> listening; // discovery's probes: which URLs answer
  bool wal_broken = false;
  bool pusher_lingers = false;
  std::shared_ptr<std::vector<std::string>> ended = std::make_shared<std::vector<std::string>>();
  agent_supervisor_actor supervisor;

  int64_t wall_now() {
    return t0 + std::chrono::duration_cast<milliseconds>(sched.clock().now() - started).count();
  }

  agent_plan plan(std::vector<scrape_target> targets) {
    agent_plan p;
    p.targets = std::move(targets);
    p.pusher.server_id = test::agent_server_id;
    p.pusher.post = test::scripted_ingest::post_fn(ingest);
    return p;
  }

  void start(agent_plan p) {
    agent_supervisor_settings s;
    s.serve = false;
    s.plan = std::move(p);
    s.now_ms = [this] { return wall_now(); };
    s.reload = [this] { return next_plan; };
    s.spawn_buffer = [this](caf::local_actor* self) {
      buffer_settings b;
      b.durable = wal_broken; // memory, or a WAL in a directory that cannot be made
      b.wal.dir = "/proc/nodepulse-cannot-be-made";
      b.tick = std::chrono::hours{1};
      return noting_end(self->spawn(buffer, b), "buffer", ended);
    };
    s.spawn_pusher = [this](caf::local_actor* self, const pusher_settings& p,
                            const buffer_actor& b) {
      auto pusher_actor = pusher_lingers ? self->spawn(lingering_pusher, milliseconds{100})
                                         : self->spawn(pusher, p, b);
      return noting_end(pusher_actor, "pusher", ended);
    };
    s.spawn_scraper = [this](caf::local_actor* self, const scrape_target& t, const buffer_actor& b,
                             const pusher_actor& p) {
      auto& e = exporters[t.job];
      if (!e)
        e = std::make_shared<test::scripted_exporter>();
      ++spawned[t.job];
      scraper_settings s;
      s.job = t.job;
      s.url = t.url;
      s.interval = t.interval;
      s.offset = t.offset;
      s.fetch = test::scripted_exporter::fetch_fn(e);
      s.now_ms = [this] { return wall_now(); };
      return noting_end(self->spawn(scraper, s, b, p), "scraper " + t.job, ended);
    };
    s.spawn_discoverer = [this](caf::local_actor* self, const std::vector<scrape_target>& targets,
                                const agent_supervisor_actor& sup) {
      discoverer_settings d;
      for (const auto& t : targets)
        d.candidates.push_back({t.job, t.url});
      d.interval = milliseconds{10'000};
      d.probe = [this](const std::string& url) {
        agent::http_result r;
        if (listening[url]) {
          r.status = 200;
          r.body = "some_metric 1\n";
        } else {
          r.error = "connection refused";
        }
        return r;
      };
      return self->spawn(discoverer, d, sup);
    };
    supervisor = sys.spawn(agent_supervisor, std::move(s));
    sched.run();
  }

  ~fixture() {
    if (supervisor)
      caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void advance(milliseconds d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  http::reply get(const std::string& path) { return test::get_from(*this, supervisor, path); }

  // Jobs in the order the ingest got their scrapes.
  std::vector<std::string> jobs_pushed() const {
    std::vector<std::string> out;
    for (const auto& p : ingest->asked) {
      auto at = p.text.find("up{job=\"");
      out.push_back(
        at == std::string::npos ? "?" : p.text.substr(at + 8, p.text.find('"', at + 8) - at - 8));
    }
    return out;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(agent_supervisor_tests, fixture)

CAF_TEST(one scraper per endpoint and every scrape is pushed) {
  start(plan({target("node", 1000), target("app", 2000)}));
  CAF_CHECK_EQUAL(spawned["node"], 1);
  CAF_CHECK_EQUAL(spawned["app"], 1);
  CAF_CHECK_EQUAL(get("/readyz").status, 503); // nothing pushed yet
  CAF_CHECK(contains(get("/readyz").body, "no push has succeeded yet"));
  advance(milliseconds{2000});
  CAF_CHECK_EQUAL(jobs_pushed(), (std::vector<std::string>{"node", "app"}));
  CAF_CHECK_EQUAL(get("/readyz").status, 200);
  auto m = get("/metrics").body;
  CAF_CHECK(contains(m, "nodepulse_agent_scrapes_total{job=\"node\",result=\"up\"} 1\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_scrapes_total{job=\"app\",result=\"up\"} 1\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_pushes_total{lane=\"fresh\"} 2\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_buffer_records 0\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_restarts_total 0\n"));
  CAF_CHECK_EQUAL(get("/nope").status, 404);
}

CAF_TEST(a failing scraper is restarted after a backoff and the others carry on) {
  start(plan({target("node", 1000), target("app", 2000)}));
  exporters["node"]->crash = true;
  advance(milliseconds{2000}); // node crashes at 1 s, app scrapes at 2 s
  CAF_CHECK_EQUAL(jobs_pushed(), std::vector<std::string>{"app"});
  CAF_CHECK_EQUAL(spawned["node"], 1);
  advance(milliseconds{50}); // the restart backoff after a first death
  CAF_CHECK_EQUAL(spawned["node"], 2);
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_restarts_total 1\n"));
  advance(milliseconds{15'000});
  CAF_CHECK_EQUAL(jobs_pushed(), (std::vector<std::string>{"app", "node", "app"}));
}

CAF_TEST(the ingest down makes readyz say so) {
  start(plan({target("node", 1000)}));
  ingest->answer(503);
  advance(milliseconds{1000});
  auto r = get("/readyz");
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK(contains(r.body, "the ingest does not take pushes: HTTP 503"));
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_buffer_records 1\n"));
}

CAF_TEST(reload starts new endpoints and stops removed ones and keeps the buffer) {
  start(plan({target("node", 1000), target("old", 2000)}));
  ingest->refuse_connections(1); // the first push fails: the scrape waits in the buffer
  advance(milliseconds{1000});
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_buffer_records 1\n"));
  next_plan = plan({target("node", 1000), target("new", 3000)});
  self->send(supervisor, reload_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(spawned["node"], 1); // unchanged: left alone
  CAF_CHECK_EQUAL(spawned["new"], 1);
  advance(milliseconds{15'000}); // new at 3 s, node at 16 s; old (2 s) is gone
  // node's first scrape: refused, then replayed by the new pusher.
  auto jobs = jobs_pushed();
  CAF_CHECK_EQUAL(jobs, (std::vector<std::string>{"node", "node", "new", "node"}));
  auto m = get("/metrics").body;
  CAF_CHECK(!contains(m, "job=\"old\""));
  CAF_CHECK(contains(m, "nodepulse_agent_buffer_records 0\n"));
}

CAF_TEST(discovered exporters get scrapers while they answer and a reload keeps them) {
  auto p = plan({target("node", 1000)});
  p.discovery = {target("found", 2000), target("never", 3000)};
  listening[p.discovery[0].url] = false;
  start(p);
  CAF_CHECK_EQUAL(spawned.count("found"), 0u); // probed at once: silent
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_discovery_candidates 2\n"));
  listening[p.discovery[0].url] = true;
  advance(milliseconds{10'000}); // the next probe finds it
  CAF_CHECK_EQUAL(spawned["found"], 1);
  CAF_CHECK_EQUAL(spawned.count("never"), 0u);
  auto m = get("/metrics").body;
  CAF_CHECK(contains(m, "nodepulse_agent_discovery_exporters 1\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_discovery_changes_total{change=\"appeared\"} 1\n"));
  // A reload of the configured endpoints leaves the discovered one running.
  next_plan = plan({target("node", 1000)});
  self->send(supervisor, reload_atom::value);
  sched.run();
  advance(milliseconds{5'000});
  CAF_CHECK_EQUAL(spawned["found"], 1);
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_scrape_up{job=\"found\"}"));
  // One silent probe is not gone; two are.
  listening[p.discovery[0].url] = false;
  advance(milliseconds{10'000});
  CAF_CHECK(contains(get("/metrics").body, "nodepulse_agent_scrape_up{job=\"found\"}"));
  advance(milliseconds{10'000});
  m = get("/metrics").body;
  CAF_CHECK(!contains(m, "job=\"found\""));
  CAF_CHECK(contains(m, "nodepulse_agent_discovery_changes_total{change=\"gone\"} 1\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_discovery_exporters 0\n"));
  CAF_CHECK(contains(m, "nodepulse_agent_scrape_up{job=\"node\"} 1\n"));
}

CAF_TEST(a refused reload keeps the running plan) {
  start(plan({target("node", 1000)}));
  next_plan.reset();
  self->send(supervisor, reload_atom::value);
  sched.run();
  advance(milliseconds{1000});
  CAF_CHECK_EQUAL(jobs_pushed(), std::vector<std::string>{"node"});
}

CAF_TEST(stopping stops the scrapers then the pusher and the buffer last) {
  pusher_lingers = true;
  start(plan({target("node", 1000), target("app", 2000)}));
  self->monitor(supervisor);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  sched.run();
  // The pusher is finishing its push: the buffer it acknowledges in is open.
  CAF_CHECK_EQUAL(*ended, (std::vector<std::string>{"scraper app", "scraper node"}));
  advance(milliseconds{100});
  CAF_CHECK_EQUAL(*ended,
                  (std::vector<std::string>{"scraper app", "scraper node", "pusher", "buffer"}));
  bool down = false;
  self->receive([&](caf::down_msg& msg) {
    down = true;
    CAF_CHECK_EQUAL(msg.reason, caf::exit_reason::user_shutdown);
  });
  CAF_CHECK(down);
  supervisor = nullptr;
}

CAF_TEST(the agent stops when its WAL cannot be used) {
  wal_broken = true;
  start(plan({target("node", 1000)}));
  self->monitor(supervisor);
  sched.run();
  bool down = false;
  self->receive(
    [&](caf::down_msg& msg) {
      down = true;
      CAF_CHECK(msg.reason != caf::none);
    },
    caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(down);
  supervisor = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()
