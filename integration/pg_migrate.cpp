#define CAF_SUITE pg_migrate
#include <caf/test/unit_test.hpp>

#include "integration/support/postgres_server.hpp"
#include "lib/pg/copy_rows.hpp"
#include "lib/prom/parser.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace nodepulse;

namespace {

struct command_result {
  int exit_code = -1;
  std::string output; // stdout and stderr
};

command_result run_migrate(const std::string& dsn) {
  std::string cmd = std::string{NODEPULSE_BINARY} + " migrate --dsn '" + dsn + "' 2>&1";
  command_result res;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      res.output.append(buf, n);
    int status = ::pclose(p);
    res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return res;
}

struct fixture {
  test::postgres_server pg;
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
                                "schema up to date: 6 migrations (6 applied now)\n");
  CAF_CHECK_EQUAL(pg.query("SELECT version || ' ' || file FROM admiral.schema_migrations "
                           "ORDER BY version"),
                  "1 001_agent_tokens.sql\n2 002_metric_samples.sql\n3 003_servers.sql\n"
                  "4 004_accepted_batches.sql\n5 005_batch_sequences.sql\n"
                  "6 006_agent_drops.sql");
  auto again = run_migrate(pg.dsn());
  CAF_CHECK_EQUAL(again.exit_code, 0);
  CAF_CHECK_EQUAL(again.output, "schema up to date: 6 migrations (0 applied now)\n");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.schema_migrations"), "6");
}

CAF_TEST(metric_samples has the plan columns and indexes and is partitioned) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  CAF_CHECK_EQUAL(pg.query("SELECT string_agg(column_name || ':' || data_type, ',' "
                           "ORDER BY ordinal_position) FROM information_schema.columns "
                           "WHERE table_schema = 'admiral' AND table_name = 'metric_samples'"),
                  "id:bigint,server_id:uuid,metric_name:text,metric_type:text,labels:jsonb,"
                  "value:double precision,timestamp:timestamp with time zone,help_text:text,"
                  "unit:text,created_at:timestamp with time zone");
  CAF_CHECK_EQUAL(
    pg.query("SELECT string_agg(indexdef, E'\\\\n' ORDER BY indexname) "
             "FROM pg_indexes WHERE schemaname = 'admiral' "
             "AND tablename = 'metric_samples' AND indexname <> 'metric_samples_pkey'"),
    "CREATE INDEX metric_samples_labels ON ONLY admiral.metric_samples USING gin "
    "(labels)\n"
    "CREATE INDEX metric_samples_metric_name ON ONLY admiral.metric_samples USING "
    "btree (metric_name)\n"
    "CREATE INDEX metric_samples_server_metric_time ON ONLY admiral.metric_samples "
    "USING btree (server_id, metric_name, \"timestamp\" DESC)");
  CAF_CHECK_EQUAL(pg.query("SELECT partstrat FROM pg_partitioned_table p JOIN pg_class c "
                           "ON c.oid = p.partrelid WHERE c.relname = 'metric_samples'"),
                  "r");
}

CAF_TEST(any day lands and gets its own partition with the rows moved over) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  const std::string insert =
    "INSERT INTO admiral.metric_samples (server_id, metric_name, metric_type, labels, value, "
    "timestamp) VALUES ('0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11', 'node_load1', 'gauge', "
    "'{}', 0.5, ";
  CAF_REQUIRE(pg.psql(insert + "'2020-01-01T12:00:00Z')"));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples_default"), "1");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.ensure_sample_partition('2020-01-01')"),
                  "metric_samples_20200101");
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.ensure_sample_partition('2020-01-01')"),
                  "metric_samples_20200101"); // again: nothing to do
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples_default"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples_20200101"), "1");
  CAF_REQUIRE(pg.psql(insert + "'2020-01-01T23:59:59Z')"));
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples_20200101"), "2");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples"), "2");
  // Retention drops the partition whole.
  CAF_CHECK_EQUAL(pg.query("SELECT admiral.drop_sample_partitions_older_than(7)"), "1");
  CAF_CHECK_EQUAL(pg.query("SELECT count(*) FROM admiral.metric_samples"), "0");
  CAF_CHECK_EQUAL(pg.query("SELECT to_regclass('admiral.metric_samples_20200101') IS NULL"), "t");
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

CAF_TEST(rows written for COPY read back as the samples they came from) {
  CAF_REQUIRE_EQUAL(run_migrate(pg.dsn()).exit_code, 0);
  std::string body = "# HELP odd Help with a \\\\ backslash,\\na newline and a\ttab.\n"
                     "odd{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",tab=\"a\tb\"} NaN\n"
                     "# TYPE node_cpu_seconds_total counter\n"
                     "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 123456.78 1764194401500\n"
                     "neg -Inf\n";
  prom::sample_batch batch;
  CAF_REQUIRE(prom::parse(body, {}, batch).ok);
  batch.fill_missing_timestamps(1764194400000);
  std::string rows;
  CAF_REQUIRE_EQUAL(
    pg::append_copy_rows(batch, "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11", 0, rows).rows, 3u);
  char path[] = "/tmp/nodepulse-rows-XXXXXX";
  int fd = ::mkstemp(path);
  CAF_REQUIRE(fd >= 0);
  CAF_REQUIRE_EQUAL(::write(fd, rows.data(), rows.size()), static_cast<ssize_t>(rows.size()));
  ::close(fd);
  ::chmod(path, 0644);
  CAF_REQUIRE(pg.psql(std::string{"\\copy admiral.metric_samples ("} + pg::copy_columns + ") FROM '"
                      + path + "'"));
  ::unlink(path);
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
  CAF_CHECK_EQUAL(pg.query("SELECT value::text FROM admiral.metric_samples "
                           "WHERE metric_name = 'neg'"),
                  "-Infinity");
}

CAF_TEST_FIXTURE_SCOPE_END()
