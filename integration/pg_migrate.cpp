#define CAF_SUITE pg_migrate
#include <caf/test/unit_test.hpp>

#include "integration/support/command.hpp"
#include "integration/support/postgres_server.hpp"
#include "lib/pg/migrations.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace nodepulse;

namespace {

test::command_result run_migrate(const std::string& dsn) {
  return test::run_command(std::string{NODEPULSE_BINARY} + " migrate --dsn '" + dsn + "'");
}

struct fixture {
  test::postgres_server pg;

  // The schema as it was before the series catalogue and the tiers: the
  // plan's one-row-per-sample table.
  void migrate_to_row_per_sample_schema() {
    std::vector<pg::migration> before;
    for (const auto& m : pg::bundled_migrations())
      if (m.version <= 6)
        before.push_back(m);
    auto res = pg::apply_migrations(pg.dsn(), before);
    CAF_REQUIRE_EQUAL(res.error, "");
  }

  // Every row of the plan's columns but id and created_at (which the new
  // layout derives), in one order, as text.
  std::string samples_as_text() {
    return pg.query_sql(R"sql(
      SELECT string_agg(concat_ws('|', server_id, metric_name, metric_type,
                                  coalesce(labels, '{}')::text, float8send(value)::text,
                                  to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'),
                                  coalesce(help_text, '<none>'), coalesce(unit, '<none>')),
                        E'\n' ORDER BY server_id, metric_name, coalesce(labels, '{}')::text,
                                        timestamp)
        FROM admiral.metric_samples)sql");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(pg_migrate_tests, fixture)

CAF_TEST(a fresh database gets every migration in order and a second run nothing) {
  auto first = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(first.exit_code, 0);
  CAF_CHECK_EQUAL(first.output, "applied 001_agent_tokens.sql\n"
                                "applied 002_metric_samples.sql\n"
                                "applied 003_servers.sql\n"
                                "applied 004_accepted_batches.sql\n"
                                "applied 005_batch_sequences.sql\n"
                                "applied 006_agent_drops.sql\n"
                                "applied 007_series_and_tiers.sql\n"
                                "applied 008_series_samples.sql\n"
                                "applied 009_series_last_seen.sql\n"
                                "schema up to date: 9 migrations (9 applied now)\n");
  CAF_CHECK_EQUAL(pg.query("SELECT version || ' ' || file FROM admiral.schema_migrations "
                           "ORDER BY version"),
                  "1 001_agent_tokens.sql\n2 002_metric_samples.sql\n3 003_servers.sql\n"
                  "4 004_accepted_batches.sql\n5 005_batch_sequences.sql\n"
                  "6 006_agent_drops.sql\n7 007_series_and_tiers.sql\n8 008_series_samples.sql\n9 "
                  "009_series_last_seen.sql");
  auto again = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(again.exit_code, 0);
  CAF_CHECK_EQUAL(again.output, "schema up to date: 9 migrations (0 applied now)\n");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.schema_migrations"), "9");
  // The plan's table, empty on a fresh database, is gone at once.
  CAF_CHECK_EQUAL(pg.query("SELECT to_regclass('admiral.metric_samples_legacy') IS NULL"), "t");
}

CAF_TEST(metric_samples is a view with exactly the plan columns over partitioned tiers) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(column_name || ':' || data_type, ',' "
                           "ORDER BY ordinal_position) FROM information_schema.columns "
                           "WHERE table_schema = 'admiral' AND table_name = 'metric_samples'"),
                  "id:bigint,server_id:uuid,metric_name:text,metric_type:text,labels:jsonb,"
                  "value:double precision,timestamp:timestamp with time zone,help_text:text,"
                  "unit:text,created_at:timestamp with time zone");
  CAF_CHECK_EQUAL(pg.query("SELECT table_type FROM information_schema.tables "
                           "WHERE table_schema = 'admiral' AND table_name = 'metric_samples'"),
                  "VIEW");
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(c.relname || ':' || p.partstrat::text, ',' "
                           "ORDER BY c.relname) FROM pg_partitioned_table p JOIN pg_class c "
                           "ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'admiral'"),
                  "block_times:r,sample_blocks:r,samples_hot:r");
  // The hot tier's one index; the labels' GIN index lives with the series.
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                           "WHERE schemaname = 'admiral' AND tablename = 'samples_hot'"),
                  "samples_hot_series_time");
  CAF_CHECK_EQUAL(pg.query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'admiral' "
                           "AND indexname = 'series_labels'"),
                  "CREATE INDEX series_labels ON admiral.series USING gin (labels)");
}

CAF_TEST(any period lands and gets its own hot partition with the rows moved over) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.metrics (metric_name, metric_type) "
                      "VALUES ('node_load1', 'gauge')"));
  CAF_REQUIRE(pg.psql("INSERT INTO admiral.series (server_id, metric_id, labels, last_seen) "
                      "VALUES ('0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11', 1, '{}', "
                      "'2020-01-01')"));
  const std::string insert = "INSERT INTO admiral.samples_hot VALUES (1, ";
  CAF_REQUIRE(pg.psql(insert + "'2020-01-01T12:00:00Z', 0.5)"));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_default"), "1");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.ensure_hot_partition('2020-01-01T13:59:59Z')"),
                  "samples_hot_20200101_12");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.ensure_hot_partition('2020-01-01T12:00:00Z')"),
                  "samples_hot_20200101_12"); // again: nothing to do
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_default"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_20200101_12"), "1");
  CAF_REQUIRE(pg.psql(insert + "'2020-01-01T13:59:59Z', 0.25)"));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot_20200101_12"), "2");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples"), "2");
  // Retention drops the partition whole, and the series not seen since.
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.apply_sample_retention(7)"), "1");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT to_regclass('admiral.samples_hot_20200101_12') IS NULL"), "t");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.series"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metrics"), "0");
}

CAF_TEST(a migration changed after it was applied is an error naming it) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  CAF_REQUIRE(pg.psql("UPDATE admiral.schema_migrations SET checksum = 'feedface' "
                      "WHERE version = 3"));
  auto res = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(res.exit_code, 1);
  CAF_CHECK(res.output.find("nodepulse migrate: 003_servers.sql: changed since it was "
                            "applied (checksum feedface then")
            != std::string::npos);
}

CAF_TEST(an unreachable database is named) {
  auto res = run_migrate("postgresql://nodepulse@127.0.0.1:1/postgres?connect_timeout=2");
  CAF_CHECK_EQUAL(res.exit_code, 1);
  CAF_CHECK(res.output.find("nodepulse migrate: cannot connect: ") != std::string::npos);
}

CAF_TEST(an upgrade moves every row of the plan table and resumes where it was cut) {
  migrate_to_row_per_sample_schema();
  // Rows as the old digest wrote them: two servers, a histogram, a label
  // set in another order, escapes, NaN and infinities, rows without HELP
  // or unit, NULL labels, two days.
  CAF_REQUIRE(pg.run_sql(R"sql(
    INSERT INTO admiral.metric_samples (server_id, metric_name, metric_type, labels, value,
                                        timestamp, help_text, unit)
    SELECT s::uuid, m, t, l::jsonb, v, ts + n * interval '15 seconds', h, u
      FROM (VALUES
        ('node_cpu_seconds_total', 'counter', '{"mode":"idle","cpu":"0"}', 12.5,
         'Seconds the CPUs spent in each mode.', 'seconds'),
        ('rpc_seconds_bucket', 'histogram', '{"le":"+Inf"}', 5, NULL, 'seconds'),
        ('rpc_seconds_sum', 'histogram', '{}', 1.5, NULL, 'seconds'),
        ('odd', 'untyped', '{"path":"C:\\dir","quote":"say \"hi\""}', 'NaN',
         E'a\ttab and a\nnewline', NULL),
        ('neg', 'gauge', NULL, '-Infinity', NULL, NULL)) AS m(m, t, l, v, h, u),
      (VALUES ('0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11'), ('5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d'))
        AS s(s),
      (VALUES (date_trunc('milliseconds', now()) - interval '1 day'),
              (date_trunc('milliseconds', now()) - interval '3 hours')) AS ts(ts),
      generate_series(0, 99) AS n)sql"));
  auto before = samples_as_text();
  CAF_REQUIRE_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples"), "2000");
  // The new schema, then two batches of the move by hand: an upgrade that
  // was cut short. The view reads both the old table and the tiers.
  CAF_REQUIRE_EQUAL(pg::apply_migrations(pg.dsn(), pg::bundled_migrations()).error, "");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.move_legacy_samples(300)"), "300");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.move_legacy_samples(300)"), "300");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples_legacy"), "1400");
  CAF_CHECK_EQUAL(samples_as_text(), before);
  auto res = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(res.exit_code, 0);
  CAF_CHECK(res.output.find("moved 1,400 of ~1,400 rows (100%)") != std::string::npos);
  CAF_CHECK_EQUAL(pg.query("SELECT to_regclass('admiral.metric_samples_legacy') IS NULL"), "t");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot"), "2000");
  CAF_CHECK_EQUAL(samples_as_text(), before);
  // One series per (server, metric, labels): 5 metrics on 2 servers; NULL
  // labels became {}.
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.series"), "10");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metrics"), "5");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples WHERE labels IS NULL"),
                  "0");
  // And again: nothing left to move.
  auto again = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(again.output, "schema up to date: 9 migrations (0 applied now)\n");
  // The same rows from the cold tier once compaction has made blocks of them.
  auto config = std::string{"/tmp/nodepulse-upgrade-"} + std::to_string(::getpid()) + ".yml";
  std::ofstream{config} << "postgres:\n  dsn: \"" << pg.dsn() << "\"\n";
  auto compacted = test::run_command(std::string{NODEPULSE_BINARY} + " compact -c " + config
                                     + " --before 2100-01-01T00:00:00Z");
  std::remove(config.c_str());
  CAF_CHECK_EQUAL(compacted.exit_code, 0);
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.samples_hot"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT sum(samples) FROM admiral.sample_blocks"), "2000");
  CAF_CHECK_EQUAL(samples_as_text(), before);
}

CAF_TEST_FIXTURE_SCOPE_END()
