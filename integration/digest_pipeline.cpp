#define CAF_SUITE digest_pipeline
#include <caf/test/unit_test.hpp>

#include "integration/support/node_process.hpp"
#include "integration/support/postgres_server.hpp"
#include "integration/support/redis_server.hpp"
#include "lib/prom/parser.hpp"
#include "lib/valkey/stream_client.hpp"
#include "unit/support/plan_example.hpp"

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

using namespace nodepulse;
using test::digest_process;
using test::eventually;
using test::ingest_process;
using test::metric_eventually;
using test::metric_value;
using test::now_ms;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";
constexpr const char* dlq_key = "nodepulse:metrics:dlq";
// Short, so a killed digest's entries are taken over quickly.
constexpr const char* writer_yaml = "writer:\n  claim_idle: 1s\n  batch_entries: 20\n";

struct fixture {
  test::redis_server redis; // durable: it may be killed and restarted
  test::postgres_server pg;

  fixture() {
    if (!test::migrate(pg.dsn()))
      CAF_FAIL("nodepulse migrate failed");
  }

  int64_t rows() const {
    auto n = pg.query("SELECT count(*) FROM admiral.metric_samples");
    return n.empty() ? -1 : std::stoll(n);
  }

  // Rows of samples stored more than once (none, or exactly-once failed).
  int64_t duplicate_rows() const {
    return std::stoll(pg.query(
      "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM admiral.metric_samples "
      "GROUP BY server_id, metric_name, labels, timestamp) d"));
  }

  // Publishes the plan's four samples as one entry, through the same
  // publisher ingest uses; `server_id` and `payload` may be spoiled.
  void publish(const std::string& batch_id, int64_t at, const std::string& server_id = server_a,
               const std::string* payload = nullptr, int port = 0) {
    valkey::stream_settings settings;
    settings.require_durable = port == 0; // another server: the test chose its persistence
    valkey::stream_client client{{"127.0.0.1", port == 0 ? redis.port() : port, ""}, settings};
    valkey::stream_entry e;
    e.batch_id = batch_id;
    e.server_id = server_id;
    e.received_at_ms = at;
    e.agent_dropped = agent_dropped;
    if (payload != nullptr) {
      e.payload = *payload;
    } else {
      prom::sample_batch batch;
      CAF_REQUIRE(prom::parse(test::plan_example_body, {}, batch).ok);
      valkey::encode_payload(batch, at, {}, e.payload);
    }
    auto res = client.publish(e);
    CAF_REQUIRE(res.outcome == valkey::publish_outcome::published);
  }

  // n entries of four samples each, one second apart in sample time.
  void publish_many(int n, const std::string& prefix, int64_t start = now_ms() - 3'600'000) {
    for (int i = 0; i < n; ++i)
      publish(prefix + std::to_string(i), start + i * 1000);
  }

  // Sequences first..last of an agent's WAL epoch, as its pusher names
  // them, to the stream on `port` (the fixture's Valkey if 0).
  void publish_sequences(const std::string& epoch, int first, int last, int port = 0) {
    for (int seq = first; seq <= last; ++seq)
      publish(agent_batch(epoch, seq), base_ms + seq * 1000, server_a, nullptr, port);
  }

  static std::string agent_batch(const std::string& epoch, int seq) {
    return std::string{server_a} + ":" + epoch + ":" + std::to_string(seq);
  }

  int64_t base_ms = now_ms() - 600'000;
  std::string agent_dropped; // sent with what publish() writes, as the ingest would

  int64_t redis_integer(const std::string& command) const {
    redisContext* c = redis.connect();
    auto* r = static_cast<redisReply*>(redisCommand(c, command.c_str()));
    int64_t v = -1;
    if (r != nullptr && r->type == REDIS_REPLY_INTEGER)
      v = r->integer;
    else if (r != nullptr && r->type == REDIS_REPLY_ARRAY && r->elements > 0
             && r->element[0]->type == REDIS_REPLY_INTEGER)
      v = r->element[0]->integer; // XPENDING's summary: the count first
    if (r != nullptr)
      freeReplyObject(r);
    redisFree(c);
    return v;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(digest_pipeline_tests, fixture)

CAF_TEST(pushes through ingest land in metric_samples exactly once) {
  ingest_process ingest{redis.port(), ""};
  digest_process digest{redis.port(), pg.dsn(), writer_yaml};
  constexpr int pushes = 60;
  for (int i = 0; i < pushes; ++i) {
    auto res = ingest.post("/metrics/prometheus?server_id=" + std::string{server_a},
                           test::plan_example_body, {{"X-Batch-Id", "push-" + std::to_string(i)}});
    CAF_REQUIRE_EQUAL(res.status, 200);
  }
  // A retried push is not stored again by either node.
  CAF_CHECK_EQUAL(ingest
                    .post("/metrics/prometheus?server_id=" + std::string{server_a},
                          test::plan_example_body, {{"X-Batch-Id", "push-7"}})
                    .status,
                  200);
  CAF_CHECK(eventually([&] { return rows() == pushes * 4; }));
  CAF_CHECK(eventually([&] { return redis_integer("XLEN nodepulse:metrics:stream") == 0; }));
  CAF_CHECK_EQUAL(rows(), pushes * 4);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.accepted_batches"),
                  std::to_string(pushes));
  CAF_CHECK_EQUAL(redis_integer("XPENDING nodepulse:metrics:stream digest"), 0);
  // The plan's columns, filled from the family.
  CAF_CHECK_EQUAL(pg.query("SELECT metric_type || '|' || coalesce(unit, '-') || '|' || "
                           "coalesce(help_text, '-') || '|' || labels::text FROM "
                           "admiral.metric_samples WHERE metric_name = "
                           "'node_cpu_seconds_total' ORDER BY labels::text LIMIT 1"),
                  "counter|seconds|Seconds the CPUs spent in each mode.|"
                  "{\"cpu\": \"0\", \"mode\": \"idle\"}");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.servers WHERE id = '"
                           + std::string{server_a} + "' AND last_seen > now() - interval '1 hour'"),
                  "1");
  // The current period's hot partition holds the rows, not the default one.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_default"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot"), std::to_string(pushes * 4));
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_rows_total", pushes * 4),
                  pushes * 4.0);
  CAF_CHECK_EQUAL(digest.get("/readyz").status, 200);
  CAF_CHECK_EQUAL(digest.stop(), 0);
  CAF_CHECK_EQUAL(ingest.stop(), 0);
}

CAF_TEST(a digest killed between its commit and its acknowledgement loses and doubles nothing) {
  digest_process digest{redis.port(), pg.dsn(), writer_yaml};
  publish("first", now_ms());
  CAF_REQUIRE(eventually([&] { return rows() == 4; }));
  // Hold the server's row: the digest's next transactions (one per
  // writer) wait inside, after their COPY, for the lock.
  PGconn* holder = PQconnectdb(pg.dsn().c_str());
  CAF_REQUIRE_EQUAL(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(
    holder, ("SELECT 1 FROM admiral.servers WHERE id = '" + std::string{server_a} + "' FOR UPDATE")
              .c_str()));
  publish_many(10, "held-");
  CAF_REQUIRE(eventually([&] {
    return pg.query("SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
           == "t";
  }));
  // Valkey hangs, then the lock goes: the digest commits and cannot
  // acknowledge. It is killed right after the commit is visible.
  redis.pause();
  PQclear(PQexec(holder, "COMMIT"));
  PQfinish(holder);
  CAF_REQUIRE(eventually([&] { return rows() > 4; }));
  digest.kill();
  redis.resume();
  auto committed = rows();
  CAF_MESSAGE("committed before the kill: " << committed << " rows");
  CAF_CHECK_GREATER(redis_integer("XPENDING nodepulse:metrics:stream digest"), 0);
  // A new digest (another consumer) claims the dead one's entries, finds
  // their batch ids recorded, and only acknowledges them.
  digest.restart();
  publish_many(5, "after-");
  CAF_CHECK(eventually([&] { return rows() == 4 * 16; }));
  CAF_CHECK(
    eventually([&] { return redis_integer("XPENDING nodepulse:metrics:stream digest") == 0; }));
  CAF_CHECK_EQUAL(rows(), 4 * 16);
  CAF_CHECK_EQUAL(duplicate_rows(), 0);
  CAF_CHECK_GREATER(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_duplicate_entries_total"), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(postgresql restarted mid - run loses nothing) {
  digest_process digest{redis.port(), pg.dsn(), writer_yaml};
  publish_many(30, "before-");
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 30; }));
  pg.stop();
  publish_many(30, "during-", now_ms() - 1'800'000);
  CAF_CHECK(eventually([&] { return digest.get("/readyz").status == 503; }));
  CAF_CHECK(digest.get("/readyz").body.find("PostgreSQL is unreachable") != std::string::npos);
  CAF_CHECK_GREATER(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_database_failures_total"), 0);
  pg.start();
  publish_many(30, "after-", now_ms() - 900'000);
  CAF_CHECK(eventually([&] { return rows() == 4 * 90; }));
  CAF_CHECK_EQUAL(rows(), 4 * 90);
  CAF_CHECK_EQUAL(duplicate_rows(), 0);
  CAF_CHECK(eventually([&] { return digest.get("/readyz").status == 200; }));
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(valkey killed and restarted mid - run loses nothing) {
  digest_process digest{redis.port(), pg.dsn(), writer_yaml};
  publish_many(20, "before-");
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 20; }));
  redis.stop(); // SIGKILL
  CAF_CHECK(eventually([&] { return digest.get("/readyz").status == 503; }));
  CAF_CHECK(digest.get("/readyz").body.find("Valkey is unreachable") != std::string::npos);
  redis.start(); // its append-only file brings the stream and the group back
  publish_many(20, "after-", now_ms() - 1'800'000);
  CAF_CHECK(eventually([&] { return rows() == 4 * 40; }));
  CAF_CHECK_EQUAL(duplicate_rows(), 0);
  CAF_CHECK(eventually([&] { return digest.get("/readyz").status == 200; }));
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

// The detector looks every 200 ms and calls a gap lost after 1 s.
constexpr const char* detector_yaml =
  "writer:\n  claim_idle: 1s\n  batch_entries: 20\nloss_detector:\n  after: 1s\n"
  "  every: 200ms\n";

CAF_TEST(a digest paused with entries waiting and Valkey killed loses nothing when durable) {
  digest_process digest{redis.port(), pg.dsn(), detector_yaml};
  publish_sequences("00000000000000aa", 1, 3);
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 3; }));
  digest.signal(SIGSTOP);                                       // entries wait in the stream
  std::this_thread::sleep_for(std::chrono::milliseconds{1500}); // past its blocking read
  publish_sequences("00000000000000aa", 4, 6);
  CAF_REQUIRE_EQUAL(redis_integer("XLEN nodepulse:metrics:stream"), 3);
  redis.stop(); // SIGKILL, with three entries waiting
  redis.start();
  digest.signal(SIGCONT);
  publish_sequences("00000000000000aa", 7, 8);
  CAF_CHECK(eventually([&] { return rows() == 4 * 8; }));
  CAF_CHECK_EQUAL(duplicate_rows(), 0);
  // Past the settle time the detector has walked the epoch to its end.
  CAF_CHECK(
    eventually([&] { return pg.query("SELECT checked_through FROM admiral.wal_epochs") == "8"; }));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.batch_losses"), "0");
  CAF_CHECK_EQUAL(metric_value(digest.get("/metrics").body, "nodepulse_digest_batches_lost_total"),
                  0);
  CAF_CHECK_EQUAL(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_stream_vanished_total"), 0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(the same with Valkey run without persistence names the lost range) {
  test::redis_server volatile_redis{test::redis_server::no_persistence};
  int port = volatile_redis.port();
  digest_process digest{port, pg.dsn(), detector_yaml};
  publish_sequences("00000000000000aa", 1, 3, port);
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 3; }));
  digest.signal(SIGSTOP);
  // Past the digest's blocking read (500 ms): nothing is on its way to it.
  std::this_thread::sleep_for(std::chrono::milliseconds{1500});
  publish_sequences("00000000000000aa", 4, 6, port); // acknowledged, then lost
  volatile_redis.stop();                             // SIGKILL: the stream and its group are gone
  volatile_redis.start();
  digest.signal(SIGCONT);
  publish_sequences("00000000000000aa", 7, 8, port);
  CAF_CHECK(eventually([&] { return rows() == 4 * 5; }));
  // Exactly what was acknowledged and never committed, as one range.
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(sequence::text, ',' ORDER BY sequence) "
                           "FROM admiral.accepted_batches"),
                  "1,2,3,7,8");
  CAF_CHECK(eventually([&] {
    return pg.query("SELECT first_sequence || '..' || last_sequence || ' ' || batches "
                    "FROM admiral.batch_losses")
           == "4..6 3";
  }));
  CAF_CHECK_EQUAL(pg.query("SELECT server_id || ' ' || epoch FROM admiral.batch_losses"),
                  std::string{server_a} + " 00000000000000aa");
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_batches_lost_total", 3), 3);
  CAF_CHECK_EQUAL(metric_value(digest.get("/metrics").body, "nodepulse_digest_loss_ranges_total"),
                  1);
  CAF_CHECK_EQUAL(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_stream_vanished_total"), 1);
  auto log = digest.log();
  CAF_CHECK_NOT_EQUAL(log.find("batches 4..6 (3) never reached PostgreSQL"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(log.find("the stream or its consumer group vanished"), std::string::npos);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(a batch waiting in the stream longer than the settle time is not called lost) {
  // A dead consumer ("ghost") holds sequence 4 unacknowledged while 5 is
  // committed: the gap stays open well past loss_detector.after (1 s) until
  // a writer takes 4 over after claim_idle. The stream still holds it, so
  // it is a backlog, not a loss.
  digest_process digest{redis.port(), pg.dsn(),
                        "writer:\n  claim_idle: 5s\n  batch_entries: 20\nloss_detector:\n"
                        "  after: 1s\n  every: 200ms\n"};
  publish_sequences("00000000000000aa", 1, 3);
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 3; }));
  digest.signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds{1500}); // past its blocking read
  publish_sequences("00000000000000aa", 4, 4);
  redisContext* c = redis.connect();
  auto* taken = static_cast<redisReply*>(
    redisCommand(c, "XREADGROUP GROUP digest ghost COUNT 1 STREAMS nodepulse:metrics:stream >"));
  CAF_REQUIRE(taken != nullptr && taken->type == REDIS_REPLY_ARRAY && taken->elements == 1);
  freeReplyObject(taken);
  redisFree(c);
  digest.signal(SIGCONT);
  publish_sequences("00000000000000aa", 5, 5);
  CAF_REQUIRE(eventually([&] { return rows() == 4 * 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds{2500}); // the gap: > after + a pass
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.batch_losses"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT checked_through FROM admiral.wal_epochs"), "3");
  CAF_CHECK_GREATER(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_loss_settle_seconds"), 2);
  // The ghost's entry taken over and committed: the epoch walked through.
  CAF_CHECK(eventually([&] { return rows() == 4 * 5; }));
  CAF_CHECK(
    eventually([&] { return pg.query("SELECT checked_through FROM admiral.wal_epochs") == "5"; }));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.batch_losses"), "0");
  CAF_CHECK_EQUAL(metric_value(digest.get("/metrics").body, "nodepulse_digest_batches_lost_total"),
                  0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(a new WAL epoch of a server is recorded after the one before) {
  digest_process digest{redis.port(), pg.dsn(), detector_yaml};
  publish_sequences("00000000000000aa", 1, 2);
  CAF_REQUIRE(
    eventually([&] { return pg.query("SELECT count(*) FROM admiral.wal_epochs") == "1"; }));
  base_ms += 100'000; // the wiped agent's scrapes are later ones
  agent_dropped = "through=0,retention=0,size=0,torn=1,corrupt=0,refused=0"; // cut in recovery
  publish_sequences("00000000000000bb", 1, 2);
  CAF_CHECK(eventually([&] {
    return pg.query("SELECT previous_epoch FROM admiral.wal_epochs "
                    "WHERE epoch = '00000000000000bb'")
           == "00000000000000aa";
  }));
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_wal_epochs_new_total", 1), 1);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.batch_losses"), "0");
  auto log = digest.log();
  CAF_CHECK_NOT_EQUAL(log.find("started a new WAL epoch 00000000000000bb"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(log.find("The agent's figures at the start of the new epoch: "
                               "through=0,retention=0,size=0,torn=1,corrupt=0,refused=0; "
                               "at the end of the old one: not sent"),
                      std::string::npos);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(a gap made by the agent caps is named as such and the rest as lost) {
  digest_process digest{redis.port(), pg.dsn(), detector_yaml};
  agent_dropped = "through=0,retention=0,size=0,torn=0,corrupt=0,refused=0";
  publish_sequences("00000000000000cc", 1, 2);
  // Its WAL's size cap dropped 3..7 during an outage; 8..10 went missing
  // after it pushed them.
  agent_dropped = "through=7,retention=0,size=5,torn=0,corrupt=0,refused=0";
  publish_sequences("00000000000000cc", 11, 12);
  CAF_CHECK(eventually([&] {
    return pg.query("SELECT string_agg(first_sequence || '..' || last_sequence || ' ' || "
                    "batches || ' ' || cause, ', ' ORDER BY first_sequence) "
                    "FROM admiral.batch_losses")
           == "3..7 5 dropped_by_agent, 8..10 3 lost";
  }));
  CAF_CHECK_EQUAL(pg.query("SELECT agent_dropped_through || ' ' || agent_drops "
                           "FROM admiral.accepted_batches WHERE sequence = 12"),
                  "7 " + agent_dropped);
  CAF_CHECK_EQUAL(pg.query("SELECT checked_through || ' ' || agent_dropped_through "
                           "FROM admiral.wal_epochs"),
                  "12 7");
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_batches_lost_total", 3), 3);
  CAF_CHECK_EQUAL(
    metric_value(digest.get("/metrics").body, "nodepulse_digest_batches_dropped_by_agents_total"),
    5);
  auto log = digest.log();
  CAF_CHECK_NOT_EQUAL(log.find("batches 3..7 (5) were dropped by the agent itself"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(log.find("batches 8..10 (3) never reached PostgreSQL"), std::string::npos);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(two digests share the stream without duplicates) {
  digest_process one{redis.port(), pg.dsn(), writer_yaml};
  digest_process two{redis.port(), pg.dsn(), writer_yaml};
  constexpr int entries = 300;
  publish_many(entries, "shared-");
  CAF_CHECK(eventually([&] { return rows() == 4 * entries; }));
  CAF_CHECK_EQUAL(rows(), 4 * entries);
  CAF_CHECK_EQUAL(duplicate_rows(), 0);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.accepted_batches"),
                  std::to_string(entries));
  auto by_one = metric_value(one.get("/metrics").body, "nodepulse_digest_entries_total");
  auto by_two = metric_value(two.get("/metrics").body, "nodepulse_digest_entries_total");
  CAF_MESSAGE("entries written: " << by_one << " by one, " << by_two << " by two");
  CAF_CHECK_EQUAL(by_one + by_two, entries);
  CAF_CHECK_EQUAL(one.stop(), 0);
  CAF_CHECK_EQUAL(two.stop(), 0);
}

CAF_TEST(poison entries reach the dead - letter stream and the rest lands) {
  digest_process digest{redis.port(), pg.dsn(), std::string{writer_yaml} + "  max_failures: 2\n"};
  publish("good-1", now_ms());
  std::string garbage = "not a payload";
  publish("garbage", now_ms(), server_a, &garbage);
  publish("bad-server", now_ms(), "not-a-uuid");
  publish("good-2", now_ms());
  CAF_CHECK(eventually([&] { return redis_integer("XLEN nodepulse:metrics:dlq") == 2; }));
  CAF_CHECK(eventually([&] { return rows() == 8; }));
  auto dead = redis.read_stream(dlq_key);
  CAF_REQUIRE_EQUAL(dead.size(), 2u);
  CAF_CHECK_EQUAL(dead[0]["batch_id"], "garbage");
  CAF_CHECK(dead[0]["reason"].rfind("payload does not decode: ", 0) == 0);
  CAF_CHECK_EQUAL(dead[0]["payload"], garbage);
  CAF_CHECK_EQUAL(dead[1]["batch_id"], "bad-server");
  CAF_CHECK(dead[1]["reason"].rfind("rejected by PostgreSQL 2 times: ", 0) == 0);
  CAF_CHECK(dead[1]["reason"].find("uuid") != std::string::npos);
  CAF_CHECK(eventually([&] { return redis_integer("XLEN nodepulse:metrics:stream") == 0; }));
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_dead_letter_length", 2), 2.0);
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST(samples of earlier periods land in their own partitions and old ones go) {
  // Left from long ago: cold and hot partitions, a series last seen then,
  // and a batch id, all past retention.days.
  CAF_REQUIRE(pg.psql("SELECT admiral.ensure_cold_partitions(current_date - 30)"));
  CAF_REQUIRE(pg.psql("SELECT admiral.ensure_hot_partition(now() - interval '30 days')"));
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.metrics (metric_name, metric_type) "
                      "VALUES ('gone', 'gauge')"));
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.series (server_id, metric_id, labels, last_seen) "
                      "SELECT '"
                      + std::string{server_a}
                      + "', metric_id, '{}', current_date - 30 FROM admiral.metrics"));
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.accepted_batches (batch_id, server_id, accepted_at) "
                      "VALUES ('old', '"
                      + std::string{server_a} + "', now() - interval '30 days')"));
  auto partitions_30_days_ago = [&] {
    return pg.query("SELECT count(*) FROM pg_class WHERE relname IN ('sample_blocks_' || "
                    "to_char(current_date - 30, 'YYYYMMDD'), 'block_times_' || "
                    "to_char(current_date - 30, 'YYYYMMDD')) OR relname = 'samples_hot_' || "
                    "to_char(admiral.block_start(now() - interval '30 days') AT TIME ZONE "
                    "'UTC', 'YYYYMMDD_HH24')");
  };
  CAF_REQUIRE_EQUAL(partitions_30_days_ago(), "3");
  digest_process digest{redis.port(), pg.dsn(), writer_yaml};
  int64_t two_days_ago = now_ms() - 2 * 86'400'000LL;
  publish("replayed", two_days_ago);
  publish("ancient", now_ms() - 30 * 86'400'000LL); // beyond retention.days (7)
  CAF_CHECK(eventually([&] { return rows() == 4; }));
  CAF_CHECK(eventually([&] { return redis_integer("XLEN nodepulse:metrics:stream") == 0; }));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_default"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT DISTINCT tableoid::regclass::text FROM admiral.samples_hot"),
                  pg.query("SELECT 'admiral.samples_hot_' || to_char(admiral.block_start("
                           "to_timestamp("
                           + std::to_string(two_days_ago / 1000)
                           + ")) AT TIME ZONE 'UTC', 'YYYYMMDD_HH24')"));
  CAF_CHECK_EQUAL(metric_eventually(digest, "nodepulse_digest_samples_too_old_total", 4), 4.0);
  // Retention ran as the digest started: all gone, partitions whole.
  CAF_CHECK_EQUAL(partitions_30_days_ago(), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.series WHERE last_seen < current_date - "
                           "7"),
                  "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metrics WHERE metric_name = 'gone'"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.accepted_batches WHERE batch_id = 'old'"),
                  "0");
  CAF_CHECK_EQUAL(digest.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
