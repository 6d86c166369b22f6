#define CAF_SUITE lib.agent.metric_filter
#include <caf/test/unit_test.hpp>

#include "lib/agent/metric_filter.hpp"
#include "lib/agent/scrape_text.hpp"
#include "lib/prom/parser.hpp"
#include "lib/prom/writer.hpp"

#include <string>
#include <vector>

using namespace nodepulse;
using agent::metric_filter;
using agent::metric_rule;
using action = metric_rule::action_t;

namespace {

const std::string scrape = "# HELP node_cpu_seconds_total CPU time.\n"
                           "# TYPE node_cpu_seconds_total counter\n"
                           "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
                           "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2\n"
                           "# HELP go_goroutines Goroutines.\n"
                           "# TYPE go_goroutines gauge\n"
                           "go_goroutines 8\n"
                           "# TYPE node_filesystem_size_bytes gauge\n"
                           "node_filesystem_size_bytes{fstype=\"ext4\",mountpoint=\"/\"} 100\n"
                           "node_filesystem_size_bytes{fstype=\"tmpfs\",mountpoint=\"/run\"} 5\n"
                           "node_network_up{device=\"eth0\"} 1\n"
                           "node_network_up 0\n";

metric_rule rule(action a, std::vector<std::string> sources, std::string regex) {
  metric_rule r;
  r.action = a;
  r.source_labels = std::move(sources);
  r.regex = std::move(regex);
  return r;
}

// The scrape after the rules, as text; `dropped` gets what apply() returned.
std::string filtered(std::vector<metric_rule> rules, uint32_t& dropped) {
  prom::sample_batch batch;
  auto parsed = prom::parse(scrape, {}, batch);
  if (!parsed.ok)
    return "parse failed";
  metric_filter filter{std::move(rules)};
  dropped = filter.apply(batch);
  std::string out;
  prom::write_text(batch, out);
  return out;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(keep on the metric name keeps the matching samples and nothing of the rest) {
  uint32_t dropped = 0;
  auto text =
    filtered({rule(action::keep, {"__name__"}, "node_cpu_.*|node_filesystem_.*")}, dropped);
  CAF_CHECK_EQUAL(dropped, 3u);
  CAF_CHECK(has(text, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2\n"));
  CAF_CHECK(has(text, "# HELP node_cpu_seconds_total CPU time.\n"));
  CAF_CHECK(has(text, "mountpoint=\"/run\"} 5\n"));
  // A family whose samples all went leaves no HELP or TYPE behind.
  CAF_CHECK(!has(text, "go_goroutines"));
  CAF_CHECK(!has(text, "node_network_up"));
}

CAF_TEST(the expression is anchored at both ends as in Prometheus) {
  uint32_t dropped = 0;
  auto text = filtered({rule(action::keep, {"__name__"}, "node_cpu")}, dropped);
  CAF_CHECK_EQUAL(dropped, 7u);
  CAF_CHECK(!has(text, "node_cpu_seconds_total"));
  text = filtered({rule(action::drop, {"__name__"}, "seconds")}, dropped);
  CAF_CHECK_EQUAL(dropped, 0u);
}

CAF_TEST(drop joins its source labels with the separator and reads absent ones as empty) {
  uint32_t dropped = 0;
  auto text =
    filtered({rule(action::drop, {"__name__", "fstype"}, "node_filesystem_.*;tmpfs")}, dropped);
  CAF_CHECK_EQUAL(dropped, 1u);
  CAF_CHECK(!has(text, "/run"));
  CAF_CHECK(has(text, "mountpoint=\"/\"} 100"));
  // node_network_up without a device label: "node_network_up;" matches.
  text = filtered({rule(action::drop, {"__name__", "device"}, "node_network_up;")}, dropped);
  CAF_CHECK_EQUAL(dropped, 1u);
  CAF_CHECK(has(text, "node_network_up{device=\"eth0\"} 1\n"));
  CAF_CHECK(!has(text, "node_network_up 0"));
  auto custom = rule(action::drop, {"__name__", "device"}, "node_network_up/eth0");
  custom.separator = "/";
  text = filtered({custom}, dropped);
  CAF_CHECK_EQUAL(dropped, 1u);
  CAF_CHECK(has(text, "node_network_up 0\n"));
}

CAF_TEST(labeldrop and labelkeep remove labels by name and never the metric name) {
  uint32_t dropped = 0;
  auto text = filtered({rule(action::labeldrop, {}, "cpu|fstype")}, dropped);
  CAF_CHECK_EQUAL(dropped, 0u);
  CAF_CHECK(has(text, "node_cpu_seconds_total{mode=\"idle\"} 10\n"));
  CAF_CHECK(has(text, "node_filesystem_size_bytes{mountpoint=\"/run\"} 5\n"));
  text = filtered({rule(action::labelkeep, {}, "mode")}, dropped);
  CAF_CHECK(has(text, "node_cpu_seconds_total{mode=\"user\"} 2\n"));
  CAF_CHECK(has(text, "node_filesystem_size_bytes 100\n"));
  CAF_CHECK(has(text, "go_goroutines 8\n"));
}

CAF_TEST(rules apply in order and each sees what the earlier ones left) {
  uint32_t dropped = 0;
  // After labeldrop, fstype reads as empty: the tmpfs sample is not dropped.
  auto text = filtered({rule(action::labeldrop, {}, "fstype"),
                        rule(action::drop, {"__name__", "fstype"}, "node_filesystem_.*;tmpfs")},
                       dropped);
  CAF_CHECK_EQUAL(dropped, 0u);
  CAF_CHECK(has(text, "node_filesystem_size_bytes{mountpoint=\"/run\"} 5\n"));
  // Keep then drop: what keep left, less what drop matches.
  text = filtered(
    {rule(action::keep, {"__name__"}, "node_.*"), rule(action::drop, {"mode"}, "idle")}, dropped);
  CAF_CHECK_EQUAL(dropped, 2u);
  CAF_CHECK(!has(text, "idle"));
  CAF_CHECK(has(text, "mode=\"user\""));
}

CAF_TEST(an invalid expression is named and a valid one is not ) {
  CAF_CHECK(agent::regex_problem("node_(cpu").find("missing )") != std::string::npos);
  CAF_CHECK(agent::regex_problem("(a|b)+").empty());
  CAF_CHECK(agent::regex_problem("").empty());
}

CAF_TEST(a filtered scrape counts what it dropped and says what it kept) {
  metric_filter filter{{rule(action::drop, {"__name__"}, "go_.*")}};
  auto made = agent::make_scrape_text({200, scrape, "text/plain; version=0.0.4", ""}, "node",
                                      1764194400000, 0.1, &filter);
  CAF_CHECK(made.up);
  CAF_CHECK_EQUAL(made.samples, 7u);
  CAF_CHECK_EQUAL(made.dropped, 1u);
  CAF_CHECK(!has(made.text, "go_goroutines"));
  CAF_CHECK(has(made.text, "scrape_samples_scraped{job=\"node\"} 7 1764194400000\n"));
  CAF_CHECK(
    has(made.text, "scrape_samples_post_metric_relabeling{job=\"node\"} 6 1764194400000\n"));
}
