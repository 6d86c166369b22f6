#include "lib/agent/scrape_text.hpp"

#include "lib/prom/metrics_text.hpp"
#include "lib/prom/sample_batch.hpp"
#include "lib/prom/writer.hpp"

namespace nodepulse::agent {

prom::parse_result parse_answer(const exporter_answer& answer, prom::sample_batch& batch) {
  prom::parse_options opts;
  opts.format = prom::detect_format(answer.content_type, answer.body);
  opts.mode = prom::parse_mode::lenient;
  opts.max_reported_errors = 1;
  return prom::parse(answer.body, opts, batch);
}

scrape_text make_scrape_text(const exporter_answer& answer, std::string_view job,
                             int64_t scrape_time_ms, double duration_seconds,
                             const metric_filter* filter) {
  scrape_text out;
  if (answer.status == 200) {
    // One batch per thread, reused: a scrape allocates nothing in steady state.
    thread_local prom::sample_batch batch;
    auto result = parse_answer(answer, batch);
    batch.fill_missing_timestamps(scrape_time_ms);
    out.samples = static_cast<uint32_t>(batch.samples.size());
    out.bad_lines = static_cast<uint32_t>(result.bad_lines);
    // Garbage is not an exporter: nothing parseable counts as down.
    out.up = out.samples > 0 || result.bad_lines == 0;
    if (!result.errors.empty())
      out.problem = result.errors.front().to_string();
    if (!out.up)
      out.problem = "nothing parseable in the answer: " + out.problem;
    if (filter != nullptr)
      out.dropped = filter->apply(batch);
    out.text.reserve(answer.body.size() + answer.body.size() / 4 + 512);
    prom::write_text(batch, out.text);
  } else if (answer.status != 0) {
    out.problem = "HTTP " + std::to_string(answer.status);
  } else {
    out.problem = std::string(answer.error);
  }
  std::string job_label = "{job=\"";
  prom::append_escaped_label_value(job, job_label);
  job_label += "\"}";
  prom::metrics_text series;
  series.family("up", "gauge", "1 if the exporter answered with metrics, else 0.");
  series.sample("up" + job_label, out.up ? 1 : 0, scrape_time_ms);
  series.family("scrape_duration_seconds", "gauge", "How long the scrape took.");
  series.sample("scrape_duration_seconds" + job_label, duration_seconds, scrape_time_ms);
  series.family("scrape_samples_scraped", "gauge", "Samples the exporter exposed.");
  series.sample("scrape_samples_scraped" + job_label, out.samples, scrape_time_ms);
  series.family("scrape_samples_post_metric_relabeling", "gauge",
                "Samples kept after the endpoint's metric_relabel_configs.");
  series.sample("scrape_samples_post_metric_relabeling" + job_label, out.samples - out.dropped,
                scrape_time_ms);
  out.text += series.take();
  return out;
}

} // namespace nodepulse::agent
