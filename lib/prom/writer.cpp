#include "lib/prom/writer.hpp"

#include "lib/prom/family_rules.hpp"
#include "lib/prom/number.hpp"

#include <vector>

namespace nodepulse::prom {

namespace {

// The 0.0.4 family a family of any format is written as.
struct text_family {
  std::string name;
  metric_type type;
};

// `first_sample` tells an OpenMetrics counter (`x` with samples `x_total`)
// from a text one (family and samples both `x_total`).
text_family as_text_family(const family& f, const sample* first_sample) {
  std::string name{f.name};
  switch (f.type) {
    case metric_type::counter:
      if (first_sample != nullptr && first_sample->name != f.name
          && first_sample->name == name + "_total")
        name += "_total";
      return {name, f.type};
    case metric_type::gauge:
    case metric_type::histogram:
    case metric_type::summary:
    case metric_type::untyped:
      return {name, f.type};
    case metric_type::stateset:
      return {name, metric_type::gauge};
    case metric_type::info:
      return {name + "_info", metric_type::gauge};
    case metric_type::gaugehistogram:
    case metric_type::unknown:
      return {name, metric_type::untyped};
  }
  return {name, metric_type::untyped};
}

void append_help(std::string_view help, std::string& out) {
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_sample(const sample_batch& batch, const sample& s, std::string& out) {
  out.append(s.name);
  if (s.labels.count > 0) {
    out += '{';
    bool first = true;
    for (const label& l : batch.labels_of(s.labels)) {
      if (!first)
        out += ',';
      first = false;
      out.append(l.name);
      out += "=\"";
      append_escaped_label_value(l.value, out);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  char buf[value_buffer_size];
  out.append(buf, format_value(s.value, buf));
  if (s.has_timestamp) {
    out += ' ';
    out += std::to_string(s.timestamp_ms);
  }
  out += '\n';
}

} // namespace

void append_escaped_label_value(std::string_view v, std::string& out) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void write_text(const sample_batch& batch, std::string& out) {
  // Group sample indices by family (input order within each family): the
  // text format wants a family's samples together.
  const size_t nf = batch.families.size();
  std::vector<uint32_t> start(nf + 1, 0);
  for (const auto& s : batch.samples)
    ++start[s.family + 1];
  for (size_t i = 0; i < nf; ++i)
    start[i + 1] += start[i];
  std::vector<uint32_t> order(batch.samples.size());
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < batch.samples.size(); ++i)
      order[fill[batch.samples[i].family]++] = i;
  }

  std::vector<uint32_t> misfits; // samples written as families of their own
  for (size_t fi = 0; fi < nf; ++fi) {
    const family& f = batch.families[fi];
    auto tf =
      as_text_family(f, start[fi] < start[fi + 1] ? &batch.samples[order[start[fi]]] : nullptr);
    if (f.has_help) {
      out += "# HELP ";
      out += tf.name;
      out += ' ';
      append_help(f.help, out);
      // Readers take one '\r' before the newline as part of a CRLF line end;
      // a help text that itself ends in '\r' needs one more to survive.
      if (!f.help.empty() && f.help.back() == '\r')
        out += '\r';
      out += '\n';
    }
    if (f.has_type) {
      out += "# TYPE ";
      out += tf.name;
      out += ' ';
      out.append(to_string(tf.type));
      out += '\n';
    }
    misfits.clear();
    for (uint32_t k = start[fi]; k < start[fi + 1]; ++k) {
      const sample& s = batch.samples[order[k]];
      if (belongs_to_family(s.name, tf.name, tf.type, false))
        append_sample(batch, s, out);
      else
        misfits.push_back(order[k]);
    }
    for (uint32_t idx : misfits)
      append_sample(batch, batch.samples[idx], out);
  }
}

} // namespace nodepulse::prom
