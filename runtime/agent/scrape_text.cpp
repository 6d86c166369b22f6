#include "runtime/agent/scrape_text.hpp"

#include "runtime/prom/number.hpp"
#include "runtime/prom/sample_batch.hpp"
#include "runtime/prom/writer.hpp"

namespace nodepulse::agent {

namespace {

void append_series(std::string& out, const char* name, const char* help,
                   std::string_view job, double value, int64_t time_ms) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " gauge\n";
  out += name;
  out += "{job=\"";
  prom::append_escaped_label_value(job, out);
  out += "\"} ";
  char buf[prom::value_buffer_size];
  out.append(buf, prom::format_value(value, buf));
  out += ' ';
  out += std::to_string(time_ms);
  out += '\n';
}

} // namespace

scrape_text make_scrape_text(const exporter_answer& answer, std::string_view job,
                             int64_t scrape_time_ms, double duration_seconds) {
  scrape_text out;
  if (answer.status == 200) {
    prom::parse_options opts;
    opts.format = prom::detect_format(answer.content_type, answer.body);
    opts.mode = prom::parse_mode::lenient;
    opts.max_reported_errors = 1;
    // One batch per thread, reused: a scrape allocates nothing in steady state.
    thread_local prom::sample_batch batch;
    auto result = prom::parse(answer.body, opts, batch);
    batch.fill_missing_timestamps(scrape_time_ms);
    out.samples = static_cast<uint32_t>(batch.samples.size());
    out.bad_lines = static_cast<uint32_t>(result.bad_lines);
    // Garbage is not an exporter: nothing parseable counts as down.
    out.up = out.samples > 0 || result.bad_lines == 0;
    if (!result.errors.empty())
      out.problem = result.errors.front().to_string();
    if (!out.up)
      out.problem = "nothing parseable in the answer: " + out.problem;
    out.text.reserve(answer.body.size() + answer.body.size() / 4 + 512);
    prom::write_text(batch, out.text);
  } else if (answer.status != 0) {
    out.problem = "HTTP " + std::to_string(answer.status);
  } else {
    out.problem = std::string(answer.error);
  }
  append_series(out.text, "up", "1 if the exporter answered with metrics, else 0.", job,
                out.up ? 1 : 0, scrape_time_ms);
  append_series(out.text, "scrape_duration_seconds", "How long the scrape took.", job,
                duration_seconds, scrape_time_ms);
  append_series(out.text, "scrape_samples_scraped", "Samples the exporter exposed.", job,
                out.samples, scrape_time_ms);
  return out;
}

} // namespace nodepulse::agent
