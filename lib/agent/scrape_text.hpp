// What the agent keeps of one scrape: the exporter's samples, parsed
// leniently (bad lines skipped and counted, the rest kept), written back as
// text 0.0.4 with the scrape time on every sample that had no timestamp, so
// a scrape pushed hours later keeps its true time, less what the endpoint's
// filter drops; plus Prometheus' own series for the job: up,
// scrape_duration_seconds, scrape_samples_scraped and
// scrape_samples_post_metric_relabeling (which no filter drops).
#pragma once

#include "lib/agent/metric_filter.hpp"
#include "lib/prom/parser.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::agent {

// What came back from the exporter.
struct exporter_answer {
  int status = 0; // HTTP status; 0: no answer
  std::string_view body;
  std::string_view content_type;
  std::string_view error; // why there was no answer
};

struct scrape_text {
  std::string text;     // what the WAL keeps and the pusher sends
  bool up = false;      // the exporter answered 200 with something parseable
  uint32_t samples = 0; // the exporter's samples, as scraped
  uint32_t dropped = 0; // of them, dropped by the filter
  uint32_t bad_lines = 0;
  std::string problem; // why up is 0, or the first bad line ("line L, column C: ...")
};

// The Accept header of a scrape: OpenMetrics first, then text 0.0.4.
inline constexpr const char* scrape_accept = "application/openmetrics-text;version=1.0.0;q=0.75,"
                                             "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// An exporter's answer parsed as the agent reads scrapes: format from its
// Content-Type (or a final `# EOF`), lenient, the first bad line reported.
prom::parse_result parse_answer(const exporter_answer& answer, prom::sample_batch& batch);

// `filter` may be null (every sample kept).
scrape_text make_scrape_text(const exporter_answer& answer, std::string_view job,
                             int64_t scrape_time_ms, double duration_seconds,
                             const metric_filter* filter = nullptr);

} // namespace nodepulse::agent
