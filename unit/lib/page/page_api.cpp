#define CAF_SUITE lib.page.page_api
#include "unit/test_support.hpp"

#include "lib/page/page_api.hpp"
#include "lib/page/page_assets.hpp"

#include <nlohmann/json.hpp>

using namespace nodepulse;

namespace {

constexpr const char* server = "3c9f6f0e-1d2b-4c5a-9e8f-7a6b5c4d3e2f";

// Records every statement the endpoints run and answers each from `answers`
// in turn (the database is integration.web_page's).
struct recorder {
  std::vector<std::pair<std::string, std::vector<std::string>>> calls;
  std::vector<pg::text_table> answers;
  pg::read_outcome outcome;

  page::query_port port() {
    return [this](const std::string& sql, const std::vector<std::string>& params, size_t,
                  pg::text_table& out) {
      calls.emplace_back(sql, params);
      if (!answers.empty()) {
        out = answers.front();
        answers.erase(answers.begin());
      }
      return outcome;
    };
  }
};

pg::text_table server_row() {
  return {{"id", "hostname", "first", "last", "up"},
          {{std::string{server}, std::string{"web-1"}, std::string{"1000"}, std::string{"2000"},
            std::string{"t"}}}};
}

} // namespace

CAF_TEST(psql variables become parameters) {
  auto sql =
    page::as_statement("SELECT 1 WHERE a = :'server_id' AND t > now() - :'window'::interval"
                       " AND b = :'server_id';\n",
                       {"server_id", "window"});
  CAF_CHECK_EQUAL(sql, "SELECT 1 WHERE a = $1::uuid AND t > now() - $2::interval AND b = $1::uuid");
}

CAF_TEST(every query of sql / queries the page uses is compiled in) {
  for (const char* name : {"fleet", "pipeline", "cpu_usage_percent", "cpu_mode_percent", "memory",
                           "root_filesystem", "network_interfaces", "load", "uptime"}) {
    CAF_CHECK(page::page_queries().count(name) == 1);
    // No psql variable is left once the page's are replaced.
    auto sql = page::as_statement(page::page_queries().at(name), {"server_id", "window", "fresh"});
    CAF_CHECK_EQUAL(sql.find(":'"), std::string::npos);
  }
}

CAF_TEST(a plot is its query averaged into buckets) {
  recorder db;
  db.answers = {
    server_row(),
    {{"t_ms", "cpu_usage_percent"},
     {{std::string{"1000"}, std::string{"12.5"}}, {std::string{"2000"}, std::string{"NaN"}}}}};
  auto r = page::answer_api(std::string{"/api/servers/"} + server + "/cpu", "range=24h&points=100",
                            db.port(), {});
  CAF_REQUIRE_EQUAL(r.status, 200);
  CAF_REQUIRE_EQUAL(db.calls.size(), 2u);
  const auto& [sql, params] = db.calls[1];
  CAF_CHECK_NOT_EQUAL(sql.find("node_cpu_seconds_total"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(sql.find("GROUP BY date_bin($3::bigint"), std::string::npos);
  CAF_CHECK_EQUAL(params, (std::vector<std::string>{server, "86400000 milliseconds", "864000"}));
  auto body = nlohmann::json::parse(r.body);
  CAF_CHECK_EQUAL(body["step_seconds"].get<double>(), 864.0);
  CAF_CHECK_EQUAL(body["series"][0]["cpu_usage_percent"][0].get<double>(), 12.5);
  CAF_CHECK(body["series"][0]["cpu_usage_percent"][1].is_null()); // NaN is no JSON number
  CAF_CHECK_EQUAL(body["server"]["hostname"], "web-1");
}

CAF_TEST(CPU by mode is a series per mode column that has values) {
  recorder db;
  std::optional<std::string> null;
  auto v = [](const char* text) { return std::optional<std::string>{text}; };
  db.answers = {
    server_row(),
    {{"t_ms", "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "other"},
     {{v("1000"), v("10"), v("0"), v("5"), v("80"), v("1"), v("1"), v("2"), v("1"), null},
      {v("2000"), v("20"), v("0"), v("5"), v("70"), v("1"), v("1"), v("2"), v("1"), null}}}};
  auto r = page::answer_api(std::string{"/api/servers/"} + server + "/cpu_modes", "range=1h",
                            db.port(), {});
  CAF_REQUIRE_EQUAL(r.status, 200);
  CAF_CHECK_NOT_EQUAL(db.calls[1].first.find("avg(q.steal)"), std::string::npos);
  auto body = nlohmann::json::parse(r.body);
  CAF_CHECK_EQUAL(body["figures"], nlohmann::json::array({"cpu_percent"}));
  auto& series = body["series"];
  CAF_REQUIRE_EQUAL(series.size(), 8u); // `other`, NULL throughout, is left out
  CAF_CHECK_EQUAL(series[0]["name"], "user");
  CAF_CHECK_EQUAL(series[0]["cpu_percent"], nlohmann::json::array({10.0, 20.0}));
  CAF_CHECK_EQUAL(series[3]["name"], "idle");
  CAF_CHECK_EQUAL(series[3]["t_ms"], nlohmann::json::array({1000.0, 2000.0}));
  CAF_CHECK_EQUAL(series[7]["name"], "steal");
}

CAF_TEST(bad requests are refused before any query) {
  recorder db;
  auto ask = [&](const std::string& path, const std::string& query) {
    return page::answer_api(path, query, db.port(), {});
  };
  auto plot = std::string{"/api/servers/"} + server + "/cpu";
  CAF_CHECK_EQUAL(ask(plot, "range=0h").status, 400);
  CAF_CHECK_EQUAL(ask(plot, "range=99999999999999d").status, 400);
  CAF_CHECK_EQUAL(ask(plot, "range=59s").status, 400);
  CAF_CHECK_EQUAL(ask(plot, "points=-1").status, 400);
  CAF_CHECK_EQUAL(ask(plot, "points=2001").status, 400);
  CAF_CHECK_EQUAL(ask("/api/servers/x'; DROP TABLE admiral.servers; --/cpu", "").status, 400);
  CAF_CHECK_EQUAL(ask("/api/nothing", "").status, 404);
  CAF_CHECK(db.calls.empty());
  // A plot that does not exist: 404 naming those that do, no query.
  auto r = ask(std::string{"/api/servers/"} + server + "/disk", "");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK_NOT_EQUAL(r.body.find("cpu, cpu_modes, memory"), std::string::npos);
  CAF_CHECK(db.calls.empty());
}

CAF_TEST(a server that never pushed is 404 and the database failing is 503) {
  recorder db;
  db.answers = {{{"id"}, {}}};
  auto r = page::answer_api(std::string{"/api/servers/"} + server + "/load", "", db.port(), {});
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK_EQUAL(db.calls.size(), 1u);
  db.outcome = {pg::read_outcome::unreachable, "connection refused"};
  r = page::answer_api("/api/fleet", "", db.port(), {});
  CAF_CHECK_EQUAL(r.status, 503);
  CAF_CHECK_NOT_EQUAL(r.body.find("connection refused"), std::string::npos);
  db.outcome = {pg::read_outcome::over_limit, "more than 100000 rows"};
  CAF_CHECK_EQUAL(page::answer_api("/api/fleet", "", db.port(), {}).status, 400);
}

CAF_TEST(the page and uPlot are compiled in) {
  const auto* index = page::find_asset("/");
  CAF_REQUIRE(index != nullptr);
  CAF_CHECK_NOT_EQUAL(index->body.find("assets/uPlot.iife.min.js"), std::string::npos);
  const auto* uplot = page::find_asset("/assets/uPlot.iife.min.js");
  CAF_REQUIRE(uplot != nullptr);
  CAF_CHECK_NOT_EQUAL(uplot->body.find("uPlot (v1.6.32)"), std::string::npos);
  CAF_CHECK(page::find_asset("/assets/uPlot.LICENSE.txt") != nullptr);
  CAF_CHECK(page::find_asset("/assets/nothing.js") == nullptr);
}
