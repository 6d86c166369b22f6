#define CAF_SUITE storage_tiers
#include <caf/test/unit_test.hpp>

#include "integration/support/command.hpp"
#include "integration/support/node_process.hpp"
#include "integration/support/postgres_server.hpp"
#include "integration/support/redis_server.hpp"
#include "lib/digest/series_resolver.hpp"
#include "lib/pg/sample_store.hpp"
#include "lib/prom/parser.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

// The series catalogue, the hot tier and the cold tier (sql/007) with a
// real PostgreSQL 15 and the real `nodepulse compact` / `nodepulse digest`:
// what goes in reads back through admiral.metric_samples bit for bit,
// before and after compaction, however compaction is interrupted.

using namespace nodepulse;
using namespace std::chrono_literals;

namespace {

constexpr const char* server_a = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";

// Every sample of the view as one text, in one order: the value's bits,
// the time to the millisecond.
constexpr const char* view_text = R"sql(
  SELECT count(*) || E'\n' || coalesce(string_agg(concat_ws('|', server_id, metric_name,
           metric_type, labels::text, float8send(value)::text,
           (extract(epoch FROM timestamp) * 1000)::bigint, help_text, unit), E'\n'
           ORDER BY server_id, metric_name, labels::text, timestamp), '')
    FROM admiral.metric_samples)sql";

// The same for many samples: a count and an order-free checksum.
constexpr const char* view_checksum = R"sql(
  SELECT count(*) || ' ' || coalesce(sum(hashtext(concat_ws('|', server_id, metric_name,
           labels::text, float8send(value)::text, (extract(epoch FROM timestamp) * 1000)::bigint))
           ::bigint), 0) || ' ' || count(DISTINCT (server_id, metric_name, labels, timestamp))
    FROM admiral.metric_samples)sql";

struct fixture {
  test::postgres_server pg;
  std::string dir;
  std::string config; // digest.yml for `nodepulse compact`

  fixture() {
    auto res =
      test::run_command(std::string{NODEPULSE_BINARY} + " migrate --dsn '" + pg.dsn() + "'");
    if (res.exit_code != 0)
      CAF_FAIL("nodepulse migrate failed: " << res.output);
    char d[] = "/tmp/nodepulse-storage-XXXXXX";
    if (::mkdtemp(d) == nullptr)
      CAF_FAIL("cannot make a directory");
    dir = d;
    config = dir + "/digest.yml";
    write_config(100);
  }

  ~fixture() { std::system(("rm -rf '" + dir + "'").c_str()); }

  void write_config(int compact_series) const {
    std::ofstream{config} << "postgres:\n  dsn: \"" << pg.dsn()
                          << "\"\nstorage:\n  compact_series: " << compact_series << "\n";
  }

  std::string compact_command(const std::string& before = "") const {
    return std::string{NODEPULSE_BINARY} + " compact -c '" + config + "'"
           + (before.empty() ? "" : " --before '" + before + "'");
  }

  test::command_result compact(const std::string& before = "") const {
    return test::run_command(compact_command(before));
  }

  // Writes `text` for `server` stamped `at_ms` the way the digest does:
  // series from the catalogue, rows by binary COPY, one transaction.
  void write(const std::string& text, int64_t at_ms, const std::string& server = server_a,
             const std::vector<digest::hot_row>& extra = {}) const {
    prom::sample_batch batch;
    CAF_REQUIRE(prom::parse(text, {}, batch).ok);
    batch.fill_missing_timestamps(at_ms);
    pg::sample_store store{pg.dsn()};
    digest::series_cache cache{1000};
    digest::resolved_lot lot;
    digest::db_error error;
    CAF_REQUIRE(digest::resolve_series_ids({{&batch, server}}, 0, cache, store, lot, error));
    std::vector<digest::hot_row> rows = extra;
    for (size_t i = 0; i < batch.samples.size(); ++i)
      rows.push_back({lot.ids[0][i], batch.samples[i].timestamp_ms, batch.samples[i].value});
    CAF_REQUIRE(store.ensure_hot_partition(digest::block_start_ms(at_ms), error));
    CAF_REQUIRE(store.begin(error));
    CAF_REQUIRE(store.copy_start(error));
    CAF_REQUIRE(store.copy_rows(rows.data(), rows.size(), error));
    CAF_REQUIRE(store.copy_end(error));
    CAF_REQUIRE(store.commit(error));
  }

  // `series` series of three metrics (counter, gauge, one that cycles
  // through NaN, ±Inf and 0) on `servers` servers, a sample every
  // `step_s` seconds from `from` for `minutes`, each server's times off by
  // its own milliseconds, straight into the hot tier.
  void fill(int servers, int per_metric, const std::string& from, int minutes,
            int step_s = 60) const {
    CAF_REQUIRE(pg.run_sql(R"sql(
      INSERT INTO admiral.metrics (metric_name, metric_type, help_text, unit)
      VALUES ('fill_seconds_total', 'counter', 'Seconds, counted.', 'seconds'),
             ('fill_level', 'gauge', NULL, NULL),
             ('fill_odd', 'untyped', E'Odd \\ values\n', NULL)
      ON CONFLICT DO NOTHING;)sql"));
    CAF_REQUIRE(pg.run_sql(
      "INSERT INTO admiral.series (server_id, metric_id, labels, last_seen) "
      "SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(s), 12, '0'))::uuid, m.metric_id, "
      "jsonb_build_object('i', i::text, 'zone', 'z' || (i % 3)), current_date "
      "FROM generate_series(1, "
      + std::to_string(servers) + ") s, admiral.metrics m, generate_series(1, "
      + std::to_string(per_metric)
      + ") i WHERE m.metric_name LIKE 'fill_%' ON CONFLICT DO NOTHING;"
        "SELECT admiral.ensure_hot_partition(t) FROM generate_series(timestamptz '"
      + from + "', timestamptz '" + from + "' + interval '" + std::to_string(minutes)
      + " minutes', interval '2 hours') t;"
        "INSERT INTO admiral.samples_hot "
        "SELECT x.series_id, timestamptz '"
      + from + "' + n * interval '" + std::to_string(step_s)
      + " seconds' + (hashtext(x.server_id::text) & 511) * interval '1 ms', "
        "CASE m.metric_name WHEN 'fill_seconds_total' THEN n * 1.5 + x.series_id "
        "WHEN 'fill_level' THEN sin(n + x.series_id) * 100 "
        "ELSE (ARRAY['NaN', 'Infinity', '-Infinity', '0', '-0.0', '1e308'])"
        "[1 + (n + x.series_id) % 6]::float8 END "
        "FROM admiral.series x JOIN admiral.metrics m ON m.metric_id = x.metric_id, "
        "generate_series(0, "
      + std::to_string(minutes * 60 / step_s - 1) + ") n WHERE m.metric_name LIKE 'fill_%';"));
  }

  std::string hot_count() const { return pg.query("SELECT count(*) FROM admiral.samples_hot"); }
};

// A block period's start well in the past, as SQL text: `hours_ago` hours
// before now, down to a period's start.
std::string period_ago(const test::postgres_server& pg, int hours_ago) {
  return pg.query_sql("SELECT to_char(admiral.block_start(now() - interval '"
                      + std::to_string(hours_ago)
                      + " hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(storage_tiers_tests, fixture)

CAF_TEST(samples read back through the view as written and special values bit for bit) {
  int64_t at = 1764194400123;                     // 2025-11-26 22:00:00.123 UTC
  const uint64_t stale_bits = 0x7ff0000000000002; // Prometheus' staleness marker
  double stale;
  std::memcpy(&stale, &stale_bits, sizeof stale);
  write("# HELP odd Help with a \\\\ backslash,\\na newline and a\ttab.\n"
        "odd{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",tab=\"a\tb\"} NaN\n"
        "# TYPE node_cpu_seconds_total counter\n"
        "node_cpu_seconds_total{mode=\"idle\",cpu=\"0\"} 123456.78 1764194401500\n"
        "# TYPE rpc_seconds histogram\n"
        "rpc_seconds_bucket{le=\"0.1\"} 3\nrpc_seconds_bucket{le=\"+Inf\"} 5\n"
        "rpc_seconds_sum 1.5\nrpc_seconds_count 5\n"
        "pos +Inf\nneg -Inf\n",
        at);
  // A stale marker (no text exposition has one: remote write does) in the
  // series of `pos`, 15 s later.
  auto pos_series = std::stoll(pg.query("SELECT series_id FROM admiral.series s JOIN "
                                        "admiral.metrics m USING (metric_id) WHERE "
                                        "m.metric_name = 'pos'"));
  write("", at, server_a, {{pos_series, at + 15'000, stale}});
  CAF_CHECK_EQUAL(pg.query("SELECT labels->>'path' || '|' || (labels->>'quote') || '|' "
                           "|| replace(labels->>'tab', E'\\t', '<TAB>') || '|' || value::text "
                           "FROM admiral.metric_samples WHERE metric_name = 'odd'"),
                  "C:\\dir|say \"hi\"|a<TAB>b|NaN");
  CAF_CHECK_EQUAL(pg.query("SELECT replace(replace(help_text, E'\\n', '<NL>'), E'\\t', '<TAB>') "
                           "FROM admiral.metric_samples WHERE metric_name = 'odd'"),
                  "Help with a \\ backslash,<NL>a newline and a<TAB>tab.");
  CAF_CHECK_EQUAL(
    pg.query("SELECT metric_type || ' ' || value::text || ' ' || "
             "to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') || "
             "' ' || unit || ' ' || (labels->>'cpu') || '/' || (labels->>'mode') "
             "FROM admiral.metric_samples WHERE metric_name = 'node_cpu_seconds_total'"),
    "counter 123456.78 2025-11-26 22:00:01.500 seconds 0/idle");
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(metric_name || ' ' || metric_type || ' ' || "
                           "coalesce(labels->>'le', '-') || ' ' || value, ',' ORDER BY "
                           "metric_name, value) FROM admiral.metric_samples WHERE metric_name "
                           "LIKE 'rpc_%'"),
                  "rpc_seconds_bucket histogram 0.1 3,rpc_seconds_bucket histogram +Inf 5,"
                  "rpc_seconds_count histogram - 5,rpc_seconds_sum histogram - 1.5");
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(float8send(value)::text, ',' ORDER BY timestamp) "
                           "FROM admiral.metric_samples WHERE metric_name = 'pos'"),
                  "\\x7ff0000000000000,\\x7ff0000000000002");
  CAF_CHECK_EQUAL(pg.query("SELECT value::text FROM admiral.metric_samples "
                           "WHERE metric_name = 'neg'"),
                  "-Infinity");
  // Label sets in another order are the same series; then the counter
  // resets (the host rebooted).
  write("# TYPE node_cpu_seconds_total counter\n"
        "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123457\n",
        at + 15'000);
  write("# TYPE node_cpu_seconds_total counter\n"
        "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 3.25\n",
        at + 30'000);
  CAF_CHECK_EQUAL(pg.query("SELECT count(DISTINCT series_id) FROM admiral.series JOIN "
                           "admiral.metrics USING (metric_id) WHERE metric_name = "
                           "'node_cpu_seconds_total'"),
                  "1");
  // Everything again after compaction, bit for bit.
  auto before = pg.query_sql(view_text);
  auto res = compact("2025-11-27T00:00:00Z");
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_CHECK_EQUAL(hot_count(), "0");
  CAF_CHECK_EQUAL(pg.query_sql(view_text), before);
}

CAF_TEST(a changed HELP or type makes a new metric and both keep their samples) {
  int64_t at = 1764194400000;
  write("# HELP temp Temperature.\n# TYPE temp gauge\ntemp 20\n", at);
  write("# HELP temp Temperature in the rack.\n# TYPE temp gauge\ntemp 21\n", at + 15'000);
  write("# TYPE temp counter\ntemp 22\n", at + 30'000);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metrics WHERE metric_name = 'temp'"), "3");
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(value || ' ' || metric_type || ' ' || "
                           "coalesce(help_text, '-'), ',' ORDER BY timestamp) FROM "
                           "admiral.metric_samples WHERE metric_name = 'temp'"),
                  "20 gauge Temperature.,21 gauge Temperature in the rack.,22 counter -");
  // A query that follows one series by its labels sees all three samples.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples WHERE metric_name = "
                           "'temp' AND labels = '{}'"),
                  "3");
}

CAF_TEST(compaction keeps every sample and the range function reads what the view does) {
  auto from = period_ago(pg, 9);
  fill(3, 4, from, 6 * 60); // three periods, a sample a minute
  auto before = pg.query_sql(view_text);
  CAF_REQUIRE_EQUAL(hot_count(), "12960"); // 3 servers x 12 series x 360 minutes
  auto res = compact();
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_MESSAGE(res.output);
  CAF_CHECK(res.output.find("compacted 12960 samples into 108 blocks (0 rewritten")
            != std::string::npos);
  CAF_CHECK_EQUAL(hot_count(), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) || ' ' || sum(samples) FROM admiral.sample_blocks"),
                  "108 12960");
  CAF_CHECK_EQUAL(pg.query_sql(view_text), before);
  // The emptied hot partitions are gone; one times array per server and period.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                           "'admiral.samples_hot'::regclass"),
                  "1"); // the default partition
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.block_times"), "9");
  // Windows that cut blocks anywhere, and one across all of them.
  for (auto window :
       {std::make_pair(std::string{"37 minutes"}, std::string{"3 hours 11 minutes"}),
        std::make_pair(std::string{"0 minutes"}, std::string{"6 hours"}),
        std::make_pair(std::string{"2 hours"}, std::string{"2 hours 600 milliseconds"})}) {
    auto lo = "timestamptz '" + from + "' + interval '" + window.first + "'";
    auto hi = "timestamptz '" + from + "' + interval '" + window.second + "'";
    auto by_view = pg.query("SELECT count(*) || ' ' || coalesce(sum(hashtext(concat_ws('|', "
                            "server_id, metric_name, labels::text, float8send(value)::text, "
                            "timestamp::text))::bigint), 0) FROM admiral.metric_samples WHERE "
                            "timestamp >= "
                            + lo + " AND timestamp < " + hi);
    auto by_range = pg.query("SELECT count(*) || ' ' || coalesce(sum(hashtext(concat_ws('|', "
                             "server_id, metric_name, labels::text, float8send(value)::text, "
                             "timestamp::text))::bigint), 0) FROM "
                             "admiral.metric_samples_between("
                             + lo + ", " + hi + ")");
    CAF_CHECK_EQUAL(by_range, by_view);
    CAF_CHECK_NOT_EQUAL(by_view, "0 0");
  }
  // Nothing left: a second run does nothing.
  auto again = compact();
  CAF_CHECK_EQUAL(again.exit_code, 0);
  CAF_CHECK(again.output.find("0 block periods, 0 steps") != std::string::npos);
}

CAF_TEST(samples that come late for a compacted period join its blocks once) {
  auto from = period_ago(pg, 9);
  fill(2, 2, from, 2 * 60); // 12 series, 120 samples each, one period
  CAF_REQUIRE_EQUAL(compact().exit_code, 0);
  CAF_REQUIRE_EQUAL(pg.query("SELECT count(*) FROM admiral.sample_blocks"), "12");
  // An agent replaying an outage: the same period again, each sample half
  // a minute later; and one sample pushed again under another batch id
  // (same series and time, a newer value).
  auto twice = pg.query("SELECT (id >> 32) || '|' || timestamp FROM admiral.metric_samples "
                        "WHERE metric_name = 'fill_level' ORDER BY timestamp, id LIMIT 1");
  auto series = twice.substr(0, twice.find('|'));
  auto time = twice.substr(twice.find('|') + 1);
  CAF_REQUIRE(pg.run_sql("INSERT INTO admiral.samples_hot SELECT id >> 32, timestamp + "
                         "interval '30 seconds', value + 1 FROM "
                         "admiral.metric_samples_between(timestamptz '"
                         + from + "', timestamptz '" + from
                         + "' + interval '2 hours');"
                           "INSERT INTO admiral.samples_hot VALUES ("
                         + series + ", '" + time + "', 4242);"));
  CAF_REQUIRE_EQUAL(hot_count(), "1441");
  auto res = compact();
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_CHECK(res.output.find("compacted 1441 samples into 12 blocks (12 rewritten with late "
                            "samples)")
            != std::string::npos);
  CAF_CHECK_EQUAL(hot_count(), "0");
  // Everything once: the earlier samples, the late ones, and the sample
  // pushed twice only with its newer value.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) || ' ' || count(DISTINCT (server_id, metric_name, "
                           "labels, timestamp)) FROM admiral.metric_samples"),
                  "2880 2880");
  CAF_CHECK_EQUAL(pg.query("SELECT value FROM admiral.metric_samples WHERE (id >> 32) = " + series
                           + " AND timestamp = '" + time + "'"),
                  "4242");
  CAF_CHECK_EQUAL(pg.query("SELECT sum(samples) FROM admiral.sample_blocks"), "2880");
}

CAF_TEST(an emptied hot partition is not dropped while a writer is inside it) {
  auto from = period_ago(pg, 9);
  fill(1, 1, from, 60);
  CAF_REQUIRE_EQUAL(compact().exit_code, 0);
  CAF_REQUIRE_EQUAL(hot_count(), "0");
  CAF_REQUIRE(pg.run_sql("SELECT admiral.ensure_hot_partition(timestamptz '" + from + "')"));
  // A digest's transaction has put a late sample into the emptied
  // partition and not committed yet when the drop looks.
  PGconn* writer = PQconnectdb(pg.dsn().c_str());
  CAF_REQUIRE_EQUAL(PQstatus(writer), CONNECTION_OK);
  PQclear(PQexec(writer, "BEGIN"));
  auto* inserted =
    PQexec(writer, ("INSERT INTO admiral.samples_hot SELECT series_id, timestamptz '" + from
                    + "' + interval '90 minutes', 7 FROM admiral.series "
                      "ORDER BY series_id LIMIT 1")
                     .c_str());
  CAF_REQUIRE_EQUAL(PQresultStatus(inserted), PGRES_COMMAND_OK);
  PQclear(inserted);
  std::string dropped;
  std::thread dropper{[&] {
    PGconn* c = PQconnectdb(pg.dsn().c_str());
    auto* r =
      PQexec(c, ("SELECT admiral.drop_hot_partition_if_empty(timestamptz '" + from + "')").c_str());
    dropped = PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  }};
  std::this_thread::sleep_for(500ms); // the drop is waiting by now (or has decided)
  PQclear(PQexec(writer, "COMMIT"));
  PQfinish(writer);
  dropper.join();
  CAF_CHECK_EQUAL(dropped, "f");
  CAF_CHECK_EQUAL(hot_count(), "1");
  CAF_CHECK_EQUAL(
    pg.query("SELECT value FROM admiral.metric_samples WHERE timestamp = timestamptz '" + from
             + "' + interval '90 minutes'"),
    "7");
}

CAF_TEST(two compactions at once take turns and double nothing) {
  auto from = period_ago(pg, 9);
  fill(40, 50, from, 4 * 60, 120); // 6,000 series, 120 samples each, two periods
  auto before = pg.query_sql(view_checksum);
  test::background_command one{compact_command()};
  test::background_command two{compact_command()};
  CAF_CHECK_EQUAL(one.wait(), 0);
  CAF_CHECK_EQUAL(two.wait(), 0);
  auto waited = (one.output() + two.output()).find("another compaction is running");
  CAF_CHECK_NOT_EQUAL(waited, std::string::npos);
  CAF_CHECK_EQUAL(hot_count(), "0");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
}

CAF_TEST(two digests compacting on their timers take turns and double nothing) {
  auto from = period_ago(pg, 9);
  fill(40, 50, from, 4 * 60, 120);
  auto before = pg.query_sql(view_checksum);
  test::redis_server redis;
  const std::string storage = "storage:\n  hot_period: 1m\n  compact_every: 1s\n"
                              "  compact_series: 100\n";
  test::digest_process one{redis.port(), pg.dsn(), storage};
  test::digest_process two{redis.port(), pg.dsn(), storage};
  CAF_CHECK(test::eventually([&] { return hot_count() == "0"; }));
  auto counter = [](const test::digest_process& d, const char* name) {
    return test::metric_value(d.get("/metrics").body, name);
  };
  CAF_CHECK(test::eventually([&] {
    return counter(one, "nodepulse_digest_compaction_skipped_total")
             + counter(two, "nodepulse_digest_compaction_skipped_total")
           >= 1;
  }));
  CAF_MESSAGE("compacted by one: " << counter(one, "nodepulse_digest_compacted_samples_total")
                                   << ", by two: "
                                   << counter(two, "nodepulse_digest_compacted_samples_total"));
  CAF_CHECK_EQUAL(counter(one, "nodepulse_digest_compacted_samples_total")
                    + counter(two, "nodepulse_digest_compacted_samples_total"),
                  std::stod(pg.query("SELECT sum(samples) FROM admiral.sample_blocks")));
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
  CAF_CHECK_EQUAL(one.stop(), 0);
  CAF_CHECK_EQUAL(two.stop(), 0);
}

CAF_TEST(a compaction killed or cut off from PostgreSQL loses and doubles nothing) {
  auto from = period_ago(pg, 9);
  fill(40, 50, from, 4 * 60, 120);
  auto before = pg.query_sql(view_checksum);
  auto total = hot_count();
  {
    test::background_command killed{compact_command()};
    CAF_REQUIRE(killed.wait_for_output("steps\n"));
    std::this_thread::sleep_for(300ms);
    killed.kill();
  }
  auto left = std::stoll(hot_count());
  CAF_MESSAGE("SIGKILL left " << left << " of " << total << " samples hot");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
  {
    test::background_command cut_off{compact_command()};
    CAF_REQUIRE(cut_off.wait_for_output("steps\n"));
    std::this_thread::sleep_for(300ms);
    pg.stop();
    CAF_CHECK_EQUAL(cut_off.wait(), 1);
    CAF_CHECK(cut_off.output().find("nodepulse compact: PostgreSQL: ") != std::string::npos);
    CAF_CHECK(cut_off.output().find("stays in the hot tier") != std::string::npos);
  }
  pg.start();
  CAF_MESSAGE("PostgreSQL stopped with " << hot_count() << " samples hot");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
  auto res = compact();
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_CHECK_EQUAL(hot_count(), "0");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
}

CAF_TEST(a digest killed while it compacts loses and doubles nothing) {
  auto from = period_ago(pg, 9);
  fill(40, 50, from, 4 * 60, 120);
  auto before = pg.query_sql(view_checksum);
  test::redis_server redis;
  test::digest_process digest{redis.port(), pg.dsn(),
                              "storage:\n  hot_period: 1m\n  compact_every: 1s\n"
                              "  compact_series: 100\n"};
  CAF_REQUIRE(test::eventually(
    [&] { return digest.log().find("compactor: compacting") != std::string::npos; }));
  std::this_thread::sleep_for(300ms);
  digest.kill();
  CAF_MESSAGE("SIGKILL left " << hot_count() << " samples hot");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
  auto res = compact();
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_CHECK_EQUAL(hot_count(), "0");
  CAF_CHECK_EQUAL(pg.query_sql(view_checksum), before);
}

CAF_TEST_FIXTURE_SCOPE_END()
