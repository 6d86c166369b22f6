#define CAF_SUITE actors.digest.db_writer
#include "unit/test_support.hpp"

#include "actors/digest/db_writer.hpp"
#include "lib/prom/parser.hpp"
#include "unit/actors/ingest/ingest_fixture.hpp"
#include "unit/support/plan_example.hpp"
#include "unit/support/scripted_catalog.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace nodepulse;

namespace {

constexpr int64_t now = 1764194400000; // 2025-11-26 22:00:00 UTC
constexpr const char* server = "0b6c1a0e-3f43-4d8e-9a51-6f0c2d6b7e11";

// Every call either fake receives, in order: what the tests read.
using call_log = std::vector<std::string>;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ",") + i;
  return out;
}

// A stream entry carrying the plan's four samples, stamped `at`.
digest::delivery entry(std::string id, std::string batch_id, int64_t at = now,
                       std::string server_id = server) {
  prom::sample_batch batch;
  CAF_REQUIRE(prom::parse(test::plan_example_body, {}, batch).ok);
  digest::delivery d;
  d.id = std::move(id);
  d.entry.batch_id = std::move(batch_id);
  d.entry.server_id = std::move(server_id);
  d.entry.received_at_ms = at;
  valkey::encode_payload(batch, at, {}, d.entry.payload);
  return d;
}

// Valkey as the writer sees it: reads hand out what a test queued.
struct scripted_stream : digest::entry_source {
  call_log& log;
  std::deque<digest::delivery> fresh; // for read_new
  std::vector<digest::delivery> mine; // for read_own_pending
  std::vector<digest::delivery> idle; // for claim_idle
  bool down = false;
  bool ack_fails = false;    // only acknowledging fails
  bool group_exists = false; // false again: Valkey lost the stream and its group
  std::vector<std::pair<std::string, std::string>> dead; // id, reason

  explicit scripted_stream(call_log& l) : log(l) {}

  bool fail(std::string& error) {
    error = "Connection refused";
    return false;
  }
  bool prepare(bool& created, std::string& error) override {
    log.push_back("prepare");
    if (down)
      return fail(error);
    created = !group_exists;
    group_exists = true;
    return true;
  }
  std::optional<std::vector<digest::delivery>> read_own_pending(size_t,
                                                                std::string& error) override {
    if (down && !fail(error))
      return std::nullopt;
    log.push_back("own pending " + std::to_string(mine.size()));
    return std::exchange(mine, {});
  }
  std::optional<std::vector<digest::delivery>> read_new(size_t max, std::string& error) override {
    if (down && !fail(error))
      return std::nullopt;
    std::vector<digest::delivery> out;
    while (!fresh.empty() && out.size() < max) {
      out.push_back(fresh.front());
      fresh.pop_front();
    }
    if (!out.empty())
      log.push_back("read " + std::to_string(out.size()));
    return out;
  }
  std::optional<std::vector<digest::delivery>> claim_idle(size_t, std::string& error) override {
    if (down && !fail(error))
      return std::nullopt;
    if (!idle.empty())
      log.push_back("claim " + std::to_string(idle.size()));
    return std::exchange(idle, {});
  }
  bool acknowledge(const std::vector<std::string>& ids, std::string& error) override {
    if (down || ack_fails)
      return fail(error);
    log.push_back("ack " + joined(ids));
    return true;
  }
  bool dead_letter(const digest::delivery& d, const std::string& reason,
                   std::string& error) override {
    if (down)
      return fail(error);
    log.push_back("dlq " + d.id);
    dead.emplace_back(d.id, reason);
    return true;
  }
  std::optional<digest::backlog_figures> backlog(std::string& error) override {
    if (down && !fail(error))
      return std::nullopt;
    return digest::backlog_figures{static_cast<int64_t>(fresh.size()), 0,
                                   static_cast<int64_t>(dead.size())};
  }
};

// PostgreSQL as the writer sees it: the catalogue in memory; committed
// batch ids persist across transactions; a transaction's work is kept only
// if it commits.
struct scripted_database : test::scripted_catalog {
  call_log& log;
  std::set<std::string> committed; // batch ids
  size_t committed_rows = 0;
  std::set<int64_t> partitions; // hot periods, by start
  bool down = false;
  bool commit_fails = false; // the connection is lost at COMMIT
  // The open transaction.
  std::vector<std::string> pending_ids;
  size_t pending_rows = 0;
  size_t copying = 0; // rows of the COPY under way

  explicit scripted_database(call_log& l) : log(l) {}

  bool lost(digest::db_error& error) {
    scripted_catalog::down(error);
    return false;
  }
  std::optional<std::vector<int64_t>> resolve_series(const std::vector<digest::series_key>& keys,
                                                     const std::vector<int64_t>& days,
                                                     digest::db_error& error) override {
    auto ids = scripted_catalog::resolve_series(keys, days, error);
    if (!ids)
      log.push_back("series refused");
    return ids;
  }
  bool ensure_hot_partition(int64_t period, digest::db_error& error) override {
    if (down)
      return lost(error);
    partitions.insert(period);
    return true;
  }
  bool begin(digest::db_error& error) override {
    if (down)
      return lost(error);
    log.push_back("begin");
    pending_ids.clear();
    pending_rows = 0;
    return true;
  }
  std::optional<std::vector<std::string>> known_batches(const std::vector<std::string>& ids,
                                                        digest::db_error&) override {
    std::vector<std::string> known;
    for (const auto& id : ids)
      if (committed.count(id))
        known.push_back(id);
    return known;
  }
  bool copy_start(digest::db_error&) override {
    copying = 0;
    return true;
  }
  bool copy_rows(const digest::hot_row*, size_t count, digest::db_error&) override {
    copying += count;
    return true;
  }
  bool copy_end(digest::db_error&) override {
    log.push_back("copy " + std::to_string(copying));
    pending_rows += copying;
    return true;
  }
  bool record_batches(const std::vector<digest::accepted_batch>& batches,
                      digest::db_error&) override {
    for (const auto& b : batches)
      pending_ids.push_back(b.batch_id);
    log.push_back("record " + joined(pending_ids));
    return true;
  }
  bool commit(digest::db_error& error) override {
    if (commit_fails)
      return lost(error);
    log.push_back("commit");
    committed.insert(pending_ids.begin(), pending_ids.end());
    committed_rows += pending_rows;
    return true;
  }
  void rollback() override { log.push_back("rollback"); }
  bool apply_retention(int64_t, digest::db_error& error) override { return !down || lost(error); }
};

struct fixture : test_coordinator_fixture<test::system_config> {
  call_log log;
  std::shared_ptr<scripted_stream> stream = std::make_shared<scripted_stream>(log);
  std::shared_ptr<scripted_database> db = std::make_shared<scripted_database>(log);
  db_writer_actor writer;

  void start(db_writer_settings settings = {}) {
    settings.now_ms = [] { return now; };
    writer = sys.spawn(db_writer, stream, db, settings);
    sched.run();
  }

  ~fixture() {
    if (writer)
      caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched.run();
  }

  db_writer_state& state() {
    return deref<db_writer_actor::stateful_base<db_writer_state>>(writer).state;
  }

  // Lets the writer's timers fire (retries, idle polls) and runs it.
  void wait(std::chrono::milliseconds ms) {
    sched.clock().advance_time(ms);
    sched.run();
  }

  // The log from the first line that starts with `from` on.
  call_log since(const std::string& from) {
    auto i = std::find_if(log.begin(), log.end(),
                          [&](const std::string& l) { return l.rfind(from, 0) == 0; });
    return call_log(i, log.end());
  }

  writer_status status() {
    auto rh = self->request(writer, caf::infinite, status_atom::value);
    sched.run();
    writer_status s;
    rh.receive([&](writer_status& x) { s = std::move(x); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return s;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(db_writer_tests, fixture)

CAF_TEST(entries read together are written in one transaction then acknowledged) {
  stream->fresh = {entry("1-0", "a"), entry("2-0", "b"), entry("3-0", "c")};
  start();
  CAF_CHECK_EQUAL(since("read"), (call_log{"read 3", "begin", "copy 12", "record a,b,c", "commit",
                                           "ack 1-0,2-0,3-0"}));
  CAF_CHECK_EQUAL(db->committed_rows, 12u);
  CAF_CHECK_EQUAL(state().counters.rows, 12u);
  CAF_CHECK_EQUAL(state().counters.transactions, 1u);
  CAF_CHECK(state().held.empty());
  CAF_CHECK(db->partitions.count(digest::block_start_ms(now)) == 1); // made ahead of time
  CAF_CHECK(db->partitions.count(digest::block_start_ms(now) + digest::block_period_ms) == 1);
}

CAF_TEST(a lot is at most max_entries entries) {
  for (int i = 1; i <= 5; ++i)
    stream->fresh.push_back(entry(std::to_string(i) + "-0", "b" + std::to_string(i)));
  db_writer_settings s;
  s.max_entries = 2;
  start(s);
  CAF_CHECK_EQUAL(since("read"),
                  (call_log{"read 2", "begin", "copy 8", "record b1,b2", "commit", "ack 1-0,2-0",
                            "read 2", "begin", "copy 8", "record b3,b4", "commit", "ack 3-0,4-0",
                            "read 1", "begin", "copy 4", "record b5", "commit", "ack 5-0"}));
  CAF_CHECK_EQUAL(state().counters.transactions, 3u);
}

CAF_TEST(nothing is acknowledged when the commit fails and the lot is retried) {
  db->commit_fails = true;
  stream->fresh = {entry("1-0", "a"), entry("2-0", "b")};
  start();
  CAF_CHECK_EQUAL(since("read"), (call_log{"read 2", "begin", "copy 8", "record a,b", "rollback"}));
  CAF_CHECK(!status().database_reachable);
  CAF_CHECK_EQUAL(state().held.size(), 2u);
  CAF_CHECK_EQUAL(state().counters.database_failures, 1u);
  db->commit_fails = false;
  log.clear();
  wait(std::chrono::milliseconds{100}); // the retry backoff
  CAF_CHECK_EQUAL(log, (call_log{"begin", "copy 8", "record a,b", "commit", "ack 1-0,2-0"}));
  CAF_CHECK(status().database_reachable);
  CAF_CHECK_EQUAL(db->committed_rows, 8u);
}

CAF_TEST(an entry whose batch id is committed is acknowledged and skipped) {
  db->committed = {"a"}; // committed before a crash kept it from being acknowledged
  stream->fresh = {entry("1-0", "a"), entry("2-0", "b"), entry("3-0", "b")};
  start();
  CAF_CHECK_EQUAL(since("read"),
                  (call_log{"read 3", "begin", "copy 4", "record b", "commit", "ack 1-0,2-0,3-0"}));
  CAF_CHECK_EQUAL(db->committed_rows, 4u);
  CAF_CHECK_EQUAL(state().counters.duplicates, 2u);
}

CAF_TEST(an acknowledgement lost after the commit is redone without writing twice) {
  stream->ack_fails = true;
  stream->fresh = {entry("1-0", "a")};
  start();
  CAF_CHECK_EQUAL(since("read"), (call_log{"read 1", "begin", "copy 4", "record a", "commit"}));
  CAF_CHECK_EQUAL(state().held.size(), 1u);
  stream->ack_fails = false;
  log.clear();
  wait(std::chrono::milliseconds{100}); // the retry backoff
  CAF_CHECK_EQUAL(log, (call_log{"prepare", "begin", "commit", "ack 1-0"}));
  CAF_CHECK_EQUAL(db->committed_rows, 4u);
  CAF_CHECK_EQUAL(state().counters.duplicates, 1u);
  CAF_CHECK(state().held.empty());
}

CAF_TEST(an entry that does not decode goes to the dead letters at once) {
  auto bad = entry("2-0", "b");
  bad.entry.payload = "garbage";
  stream->fresh = {entry("1-0", "a"), bad};
  start();
  CAF_CHECK_EQUAL(since("read"), (call_log{"read 2", "dlq 2-0", "begin", "copy 4", "record a",
                                           "commit", "ack 1-0"}));
  CAF_REQUIRE_EQUAL(stream->dead.size(), 1u);
  CAF_CHECK(stream->dead[0].second.rfind("payload does not decode: ", 0) == 0);
  CAF_CHECK_EQUAL(state().counters.dead_lettered, 1u);
}

CAF_TEST(an entry PostgreSQL keeps refusing reaches the dead letters after max_failures) {
  stream->fresh = {entry("1-0", "a"), entry("2-0", "b", now, "not-a-uuid"), entry("3-0", "c")};
  db->refused_server = "not-a-uuid";
  db_writer_settings s;
  s.max_failures = 3;
  start(s);
  // The lot's series are refused; entry by entry, the other two commit.
  CAF_CHECK_EQUAL(since("read"), (call_log{"read 3", "series refused", "begin", "copy 4",
                                           "record a", "commit", "series refused", "begin",
                                           "copy 4", "record c", "commit", "ack 1-0,3-0"}));
  CAF_CHECK_EQUAL(state().rejections["2-0"].count, 1u);
  wait(std::chrono::milliseconds{100});
  wait(std::chrono::milliseconds{200});
  CAF_CHECK_EQUAL(state().rejections["2-0"].count, 3u);
  CAF_CHECK(stream->dead.empty());
  wait(std::chrono::milliseconds{400});
  CAF_REQUIRE_EQUAL(stream->dead.size(), 1u);
  CAF_CHECK_EQUAL(stream->dead[0].first, "2-0");
  CAF_CHECK_EQUAL(stream->dead[0].second,
                  "rejected by PostgreSQL 3 times: invalid input syntax for type uuid: "
                  "\"not-a-uuid\"");
  CAF_CHECK(state().held.empty());
  CAF_CHECK_EQUAL(db->committed, (std::set<std::string>{"a", "c"}));
}

CAF_TEST(an entry delivered too often is dead - lettered without a try) {
  auto loop = entry("1-0", "a");
  loop.deliveries = 11;
  stream->idle = {loop};
  start();
  CAF_CHECK_EQUAL(since("claim"), (call_log{"claim 1", "dlq 1-0"}));
  CAF_CHECK_EQUAL(stream->dead[0].second, "delivered 11 times without a commit");
  CAF_CHECK(db->committed.empty());
}

CAF_TEST(own pending entries are re - read first and idle ones claimed) {
  stream->mine = {entry("1-0", "a")};
  stream->idle = {entry("2-0", "b")};
  stream->fresh = {entry("3-0", "c")};
  db_writer_settings s;
  s.claim_every = std::chrono::milliseconds{1000};
  start(s);
  CAF_CHECK_EQUAL(since("own pending"),
                  (call_log{"own pending 1", "begin", "copy 4", "record a", "commit", "ack 1-0",
                            "claim 1", "begin", "copy 4", "record b", "commit", "ack 2-0", "read 1",
                            "begin", "copy 4", "record c", "commit", "ack 3-0"}));
  CAF_CHECK_EQUAL(state().counters.claimed, 1u);
}

CAF_TEST(valkey down stops reading and the writer resumes when it is back) {
  stream->down = true;
  stream->fresh = {entry("1-0", "a")};
  start();
  CAF_CHECK(db->committed.empty());
  CAF_CHECK(!status().stream_reachable);
  auto failures = state().counters.stream_failures;
  wait(std::chrono::milliseconds{50});
  CAF_CHECK_GREATER(state().counters.stream_failures, failures);
  stream->down = false;
  wait(std::chrono::milliseconds{10'000});
  CAF_CHECK_EQUAL(db->committed, std::set<std::string>{"a"});
  CAF_CHECK(status().stream_reachable);
}

CAF_TEST(a group that vanished while Valkey was away is counted as a loss) {
  stream->fresh = {entry("1-0", "a")};
  start();
  CAF_CHECK_EQUAL(db->committed, std::set<std::string>{"a"});
  CAF_CHECK_EQUAL(state().counters.stream_vanished, 0u); // made at the first start: no loss
  stream->down = true;
  wait(std::chrono::milliseconds{50});
  stream->group_exists = false; // it came back without the stream and its group
  stream->down = false;
  stream->fresh = {entry("2-0", "b")};
  wait(std::chrono::milliseconds{10'000});
  CAF_CHECK_EQUAL(state().counters.stream_vanished, 1u);
  CAF_CHECK_EQUAL(db->committed, (std::set<std::string>{"a", "b"}));
}

CAF_TEST(a Valkey that comes back with its group is no loss) {
  stream->fresh = {entry("1-0", "a")};
  start();
  stream->down = true;
  wait(std::chrono::milliseconds{50});
  stream->down = false;
  wait(std::chrono::milliseconds{10'000});
  CAF_CHECK_EQUAL(state().counters.stream_vanished, 0u);
  CAF_CHECK(status().stream_reachable);
}

CAF_TEST(samples of another period get their hot partition before the copy) {
  int64_t two_days_ago = now - 2 * 86'400'000;
  stream->fresh = {entry("1-0", "old", two_days_ago)};
  start();
  CAF_CHECK(db->partitions.count(digest::block_start_ms(two_days_ago)) == 1);
  CAF_CHECK_EQUAL(db->committed_rows, 4u);
}

CAF_TEST(samples older than the retention are skipped and counted) {
  stream->fresh = {entry("1-0", "ancient", now - 30LL * 86'400'000)};
  start();
  CAF_CHECK_EQUAL(db->committed_rows, 0u);
  CAF_CHECK_EQUAL(db->committed, std::set<std::string>{"ancient"});
  CAF_CHECK_EQUAL(state().counters.too_old, 4u);
  CAF_CHECK(since("ack") == call_log{"ack 1-0"});
}

CAF_TEST(the status carries its counters and the backlog) {
  stream->fresh = {entry("1-0", "a")};
  start();
  auto s = status();
  CAF_CHECK(s.stream_reachable);
  CAF_CHECK(s.database_reachable);
  CAF_CHECK_EQUAL(s.counters.rows, 4u);
  CAF_CHECK_EQUAL(s.counters.transactions, 1u);
  CAF_CHECK_EQUAL(s.counters.lag_seconds.count(), 1u);
  CAF_CHECK_EQUAL(s.backlog.length, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
