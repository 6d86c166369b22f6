#include "runtime/node/status_command.hpp"

#include "config/agent_config.hpp"
#include "lib/agent/http_client.hpp"
#include "lib/prom/parser.hpp"
#include "runtime/node/node_runner.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

namespace nodepulse::node {

namespace {

// Samples by name and labels as written: `name{a="b"}` -> value.
std::map<std::string, double> read_metrics(const std::string& text) {
  std::map<std::string, double> out;
  prom::sample_batch batch;
  prom::parse_options opts;
  opts.mode = prom::parse_mode::lenient;
  prom::parse(text, opts, batch);
  for (const auto& s : batch.samples) {
    std::string key{s.name};
    if (s.labels.count > 0) {
      key += '{';
      bool first = true;
      for (const auto& l : batch.labels_of(s.labels)) {
        if (!first)
          key += ',';
        first = false;
        key.append(l.name).append("=\"").append(l.value) += '"';
      }
      key += '}';
    }
    out[key] = s.value;
  }
  return out;
}

double get(const std::map<std::string, double>& m, const std::string& key) {
  auto i = m.find(key);
  return i == m.end() ? 0 : i->second;
}

std::string bytes_text(double b) {
  char buf[32];
  if (b >= 1 << 20)
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1 << 20));
  else if (b >= 1 << 10)
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / (1 << 10));
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

// The quantile `q` of a histogram family, from its cumulative buckets.
double quantile(const std::map<std::string, double>& m, const std::string& name, double q) {
  double total = get(m, name + "_count");
  if (total == 0)
    return 0;
  std::map<double, double> buckets;
  const std::string prefix = name + "_bucket{le=\"";
  for (auto i = m.lower_bound(prefix); i != m.end() && i->first.rfind(prefix, 0) == 0; ++i) {
    auto le = i->first.substr(prefix.size());
    le.resize(le.size() - 2);
    buckets[le == "+Inf" ? 1e300 : std::stod(le)] = i->second;
  }
  for (const auto& [le, count] : buckets)
    if (count >= q * total)
      return le;
  return 0;
}

} // namespace

int status_command(int argc, char** argv) {
  std::string base = "http://127.0.0.1:9310";
  for (int i = 0; i < argc; ++i) {
    bool has_value = i + 1 < argc;
    if ((!std::strcmp(argv[i], "-c") || !std::strcmp(argv[i], "--config")) && has_value) {
      config::agent_config cfg;
      if (!load_config_reporting(argv[++i], cfg, config::load_agent_config_file))
        return 2;
      base = "http://" + cfg.status.listen;
    } else if (!std::strcmp(argv[i], "--url") && has_value) {
      base = argv[++i];
    } else {
      std::fputs("usage: nodepulse status [-c FILE | --url http://HOST:PORT]\n", stderr);
      return 2;
    }
  }
  agent::http_client client;
  auto ready = client.get(base + "/readyz", "application/json", 5'000);
  if (ready.status == 0) {
    std::fprintf(stderr, "nodepulse status: no agent answers at %s: %s\n", base.c_str(),
                 ready.error.c_str());
    return 1;
  }
  auto metrics = client.get(base + "/metrics", "text/plain", 5'000);
  auto m = read_metrics(metrics.body);
  std::printf("agent at %s: %s\n", base.c_str(),
              ready.status == 200 ? "ready" : ("NOT READY " + ready.body).c_str());
  // Jobs, from the up gauge's labels.
  const std::string up_prefix = "nodepulse_agent_scrape_up{job=\"";
  for (auto i = m.lower_bound(up_prefix); i != m.end() && i->first.rfind(up_prefix, 0) == 0; ++i) {
    auto job = i->first.substr(up_prefix.size(), i->first.size() - up_prefix.size() - 2);
    auto label = "{job=\"" + job + "\"";
    std::printf("  scrape %-20s %s  (%.0f up, %.0f down, %.0f samples kept, %.0f dropped by "
                "rules, %.0f bad lines)\n",
                job.c_str(), i->second == 1 ? "up  " : "DOWN",
                get(m, "nodepulse_agent_scrapes_total" + label + ",result=\"up\"}"),
                get(m, "nodepulse_agent_scrapes_total" + label + ",result=\"down\"}"),
                get(m, "nodepulse_agent_scrape_samples_total" + label + "}"),
                get(m, "nodepulse_agent_scrape_samples_dropped_total" + label + "}"),
                get(m, "nodepulse_agent_scrape_bad_lines_total" + label + "}"));
  }
  std::printf("  buffer  %s: %.0f scrapes waiting (%s), oldest %.0f s old\n",
              get(m, "nodepulse_agent_buffer_durable") == 1 ? "WAL on disk" : "memory only",
              get(m, "nodepulse_agent_buffer_records"),
              bytes_text(get(m, "nodepulse_agent_buffer_bytes")).c_str(),
              get(m, "nodepulse_agent_buffer_oldest_age_seconds"));
  const char* reasons[] = {"retention", "size", "corrupt", "torn", "refused"};
  std::printf("  dropped");
  for (const char* r : reasons)
    std::printf(" %s %.0f", r,
                get(m, std::string{"nodepulse_agent_dropped_total{reason=\""} + r + "\"}"));
  std::printf("\n  pushes  %.0f fresh + %.0f replayed (%s), %.0f retries, %.0f failing now\n",
              get(m, "nodepulse_agent_pushes_total{lane=\"fresh\"}"),
              get(m, "nodepulse_agent_pushes_total{lane=\"replay\"}"),
              bytes_text(get(m, "nodepulse_agent_push_bytes_total")).c_str(),
              get(m, "nodepulse_agent_push_retries_total"),
              get(m, "nodepulse_agent_push_failures_in_row"));
  std::printf("  push latency  p50 <= %.4g s, p99 <= %.4g s\n",
              quantile(m, "nodepulse_agent_push_latency_seconds", 0.5),
              quantile(m, "nodepulse_agent_push_latency_seconds", 0.99));
  return ready.status == 200 ? 0 : 1;
}

} // namespace nodepulse::node
