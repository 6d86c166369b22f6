#define CAF_SUITE lib.agent.scrape_text
#include <caf/test/unit_test.hpp>

#include "lib/agent/scrape_text.hpp"
#include "lib/prom/parser.hpp"

#include <string>

using namespace nodepulse;
using agent::exporter_answer;
using agent::make_scrape_text;

namespace {

constexpr int64_t t0 = 1764194400000;

// The text read back strictly (what ingest will do), as "name{labels} value ts" lines.
std::string reparsed(const std::string& text) {
  prom::sample_batch batch;
  auto r = prom::parse(text, {}, batch);
  if (!r.ok)
    return "strict parse failed: " + r.errors.at(0).to_string();
  std::string out;
  for (const auto& s : batch.samples) {
    out += std::string{s.name};
    for (const auto& l : batch.labels_of(s.labels))
      out += "," + std::string{l.name} + "=" + std::string{l.value};
    out += " " + std::to_string(s.value) + " "
           + (s.has_timestamp ? std::to_string(s.timestamp_ms) : "-") + "\n";
  }
  return out;
}

} // namespace

CAF_TEST(samples get the scrape time and the job gets up and scrape series) {
  std::string body = "# TYPE a counter\na_total 5\nb{x=\"1\"} 2 1764194300000\n";
  auto made = make_scrape_text({200, body, "text/plain; version=0.0.4", ""}, "node", t0, 0.25);
  CAF_CHECK(made.up);
  CAF_CHECK_EQUAL(made.samples, 2u);
  CAF_CHECK_EQUAL(made.bad_lines, 0u);
  CAF_CHECK_EQUAL(reparsed(made.text),
                  "a_total 5.000000 1764194400000\n"
                  "b,x=1 2.000000 1764194300000\n" // its own timestamp stays
                  "up,job=node 1.000000 1764194400000\n"
                  "scrape_duration_seconds,job=node 0.250000 1764194400000\n"
                  "scrape_samples_scraped,job=node 2.000000 1764194400000\n"
                  "scrape_samples_post_metric_relabeling,job=node 2.000000 1764194400000\n");
}

CAF_TEST(malformed lines are skipped and counted and the rest kept) {
  std::string body = "good 1\nbad{ 2\nalso_good 3\n";
  auto made = make_scrape_text({200, body, "", ""}, "node", t0, 0.1);
  CAF_CHECK(made.up);
  CAF_CHECK_EQUAL(made.samples, 2u);
  CAF_CHECK_EQUAL(made.bad_lines, 1u);
  CAF_CHECK(made.problem.find("line 2") != std::string::npos);
  CAF_CHECK(reparsed(made.text).find("also_good 3.000000 1764194400000") != std::string::npos);
}

CAF_TEST(an exporter that is down or fails gives up 0 and nothing else) {
  for (auto answer : {exporter_answer{0, "", "", "connection refused"},
                      exporter_answer{500, "oops", "text/plain", ""},
                      exporter_answer{200, "<html>\x01\x02</html>", "text/html", ""}}) {
    auto made = make_scrape_text(answer, "node", t0, 0.5);
    CAF_CHECK(!made.up);
    CAF_CHECK_EQUAL(made.samples, 0u);
    CAF_CHECK(!made.problem.empty());
    CAF_CHECK_EQUAL(reparsed(made.text),
                    "up,job=node 0.000000 1764194400000\n"
                    "scrape_duration_seconds,job=node 0.500000 1764194400000\n"
                    "scrape_samples_scraped,job=node 0.000000 1764194400000\n"
                    "scrape_samples_post_metric_relabeling,job=node 0.000000 1764194400000\n");
  }
}

CAF_TEST(openmetrics answers are kept as text the ingest reads) {
  std::string body = "# TYPE c counter\nc_total 7\n# TYPE i info\ni_info{v=\"1\"} 1\n# EOF\n";
  auto made = make_scrape_text({200, body, "application/openmetrics-text; version=1.0.0", ""},
                               "app", t0, 0.01);
  CAF_CHECK(made.up);
  CAF_CHECK_EQUAL(made.samples, 2u);
  auto text = reparsed(made.text);
  CAF_CHECK(text.find("c_total 7.000000 1764194400000") != std::string::npos);
  CAF_CHECK(text.find("i_info,v=1 1.000000 1764194400000") != std::string::npos);
}

CAF_TEST(a job name is escaped in the label) {
  auto made = make_scrape_text({0, "", "", "refused"}, "we\"ird\\job", t0, 0);
  CAF_CHECK(reparsed(made.text).find("up,job=we\"ird\\job 0.000000") != std::string::npos);
}
