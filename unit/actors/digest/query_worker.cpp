#define CAF_SUITE actors.digest.query_worker
#include "unit/test_support.hpp"

#include "actors/digest/query_worker.hpp"

using namespace nodepulse;

namespace {

// Stands in for PostgreSQL: answers `outcome` with one series of `samples`.
struct scripted_storage {
  pg::read_outcome outcome;
  std::vector<remote::read_query> asked;
  pg::read_limits limits_seen;

  read_port port() {
    return [this](const std::vector<remote::read_query>& queries, const pg::read_limits& limits,
                  std::vector<std::vector<remote::read_series>>& out) {
      asked = queries;
      limits_seen = limits;
      if (outcome.kind == pg::read_outcome::ok)
        for (size_t i = 0; i < queries.size(); ++i)
          out.push_back({{{{"__name__", "up"}, {"server_id", "s"}}, {{1000, 1}, {2000, 0}}}});
      return outcome;
    };
  }
};

using m = remote::label_matcher;

} // namespace

CAF_TEST(a read request is answered with the series as a snappy ReadResponse) {
  scripted_storage db;
  query_settings settings;
  settings.limits.max_series = 7;
  auto body = remote::encode_read_request({{0, 5000, {{m::equal, "__name__", "up"}}}});
  auto r = answer_read_request(body, db.port(), settings);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.content_type, "application/x-protobuf");
  CAF_CHECK_EQUAL(r.content_encoding, "snappy");
  CAF_REQUIRE_EQUAL(db.asked.size(), 1u);
  CAF_CHECK_EQUAL(db.asked[0].end_ms, 5000);
  CAF_CHECK_EQUAL(db.asked[0].matchers[0].value, "up");
  CAF_CHECK_EQUAL(db.limits_seen.max_series, 7u);
  std::vector<std::vector<remote::read_series>> results;
  CAF_REQUIRE(remote::decode_read_response(r.body, results));
  CAF_REQUIRE_EQUAL(results.size(), 1u);
  CAF_CHECK_EQUAL(results[0][0].samples[1].timestamp_ms, 2000);
}

CAF_TEST(what the storage refuses maps to 400 and what it cannot do now to 503) {
  scripted_storage db;
  query_settings settings;
  auto body = remote::encode_read_request({{0, 5000, {{m::regex, "job", "("}}}});
  db.outcome = {pg::read_outcome::invalid, "query 1: invalid regular expression"};
  auto invalid = answer_read_request(body, db.port(), settings);
  CAF_CHECK_EQUAL(invalid.status, 400);
  CAF_CHECK_EQUAL(invalid.body, "query 1: invalid regular expression\n");
  db.outcome = {pg::read_outcome::over_limit, "more than 10 series (query.max_series)"};
  CAF_CHECK_EQUAL(answer_read_request(body, db.port(), settings).status, 400);
  db.outcome = {pg::read_outcome::timed_out, "took longer than query.timeout"};
  auto slow = answer_read_request(body, db.port(), settings);
  CAF_CHECK_EQUAL(slow.status, 503);
  CAF_CHECK_EQUAL(slow.retry_after_s, 1u);
  db.outcome = {pg::read_outcome::unreachable, "connection refused"};
  CAF_CHECK_EQUAL(answer_read_request(body, db.port(), settings).status, 503);
}

CAF_TEST(a request that is not a ReadRequest never reaches the storage) {
  scripted_storage db;
  query_settings settings;
  settings.max_queries = 1;
  auto two = remote::encode_read_request({{0, 1, {}}, {0, 1, {}}});
  auto r = answer_read_request(two, db.port(), settings);
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.body, "2 queries in one request, more than 1\n");
  auto backwards = remote::encode_read_request({{5000, 0, {}}});
  CAF_CHECK_EQUAL(answer_read_request(backwards, db.port(), settings).body,
                  "query 1: its end is before its start\n");
  auto bad_name = remote::encode_read_request({{0, 1, {{m::equal, "1x", "y"}}}});
  CAF_CHECK_EQUAL(answer_read_request(bad_name, db.port(), settings).body,
                  "query 1, matcher 1: '1x' is not a label name\n");
  CAF_CHECK(db.asked.empty());
}
