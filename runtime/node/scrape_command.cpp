#include "runtime/node/scrape_command.hpp"

#include "config/agent_config.hpp"
#include "lib/agent/http_client.hpp"
#include "lib/agent/metric_filter.hpp"
#include "lib/agent/scrape_text.hpp"
#include "lib/base/wall_clock.hpp"
#include "lib/http/deflate.hpp"
#include "runtime/node/node_runner.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace nodepulse::node {

namespace {

constexpr const char* usage = "usage: nodepulse scrape -c FILE [--endpoint NAME] [--print]\n";

double percent_less(double before, double after) {
  return before > 0 ? 100.0 * (before - after) / before : 0;
}

// Scrapes `ep` once; prints the figures to `report` and, with `print`, the
// kept text to stdout. False when the exporter gave no metrics.
bool scrape_once(const config::scrape_endpoint& ep, int64_t timeout_ms, bool print, FILE* report) {
  agent::http_client client;
  auto started = std::chrono::steady_clock::now();
  auto answer = client.get(ep.url, agent::scrape_accept, timeout_ms);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const agent::exporter_answer got{answer.status, answer.body, answer.content_type, answer.error};
  const auto now = wall_clock_ms({});
  // Unfiltered first: the thread's batch is reused by the second call.
  auto all = agent::make_scrape_text(got, ep.name, now, seconds);
  std::shared_ptr<const agent::metric_filter> filter;
  if (!ep.rules.empty())
    filter = std::make_shared<const agent::metric_filter>(ep.rules);
  auto kept = agent::make_scrape_text(got, ep.name, now, seconds, filter.get());
  std::fprintf(report, "%s (%s): ", ep.name.c_str(), ep.url.c_str());
  if (!kept.up) {
    std::fprintf(report, "DOWN: %s\n", kept.problem.c_str());
    return false;
  }
  std::fprintf(report, "up, %u samples in %.3f s", kept.samples, seconds);
  if (kept.bad_lines > 0)
    std::fprintf(report, ", %u malformed lines skipped", kept.bad_lines);
  std::fprintf(report, "\n  rules: %s%zu in all\n",
               ep.rule_set.empty() ? "" : ("rule_set " + ep.rule_set + ", ").c_str(),
               ep.rules.size());
  const auto left = kept.samples - kept.dropped;
  std::fprintf(report, "  kept %u samples, dropped %u (%.1f%%)\n", left, kept.dropped,
               percent_less(kept.samples, left));
  const auto zstd = [](const std::string& text) {
    return http::deflate(http::content_encoding::zstd, text, 1).size();
  };
  const double text_before = all.text.size(), text_after = kept.text.size();
  const double zstd_before = zstd(all.text), zstd_after = zstd(kept.text);
  std::fprintf(report,
               "  text %.0f -> %.0f bytes (-%.1f%%), zstd as pushed %.0f -> %.0f bytes (-%.1f%%)\n",
               text_before, text_after, percent_less(text_before, text_after), zstd_before,
               zstd_after, percent_less(zstd_before, zstd_after));
  if (print)
    std::fwrite(kept.text.data(), 1, kept.text.size(), stdout);
  return true;
}

} // namespace

int scrape_command(int argc, char** argv) {
  std::string path;
  std::string only;
  bool print = false;
  for (int i = 0; i < argc; ++i) {
    bool has_value = i + 1 < argc;
    if ((!std::strcmp(argv[i], "-c") || !std::strcmp(argv[i], "--config")) && has_value)
      path = argv[++i];
    else if (!std::strcmp(argv[i], "--endpoint") && has_value)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--print"))
      print = true;
    else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  if (path.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  config::agent_config cfg;
  if (!load_config_reporting(path, cfg, config::load_agent_config_file))
    return 2;
  // The report goes where the kept text does not.
  FILE* report = print ? stderr : stdout;
  bool all_up = true;
  size_t scraped = 0;
  for (const auto& ep : cfg.prometheus.endpoints) {
    if (!only.empty() && ep.name != only)
      continue;
    ++scraped;
    all_up = scrape_once(ep, config::scrape_timeout_ms(cfg, ep), print, report) && all_up;
  }
  if (scraped == 0) {
    std::fprintf(stderr, "nodepulse scrape: %s has no endpoint named '%s'\n", path.c_str(),
                 only.c_str());
    return 2;
  }
  return all_up ? 0 : 1;
}

} // namespace nodepulse::node
