#include "runtime/prom/parser.hpp"

#include "runtime/prom/char_scan.hpp"
#include "runtime/prom/family_rules.hpp"
#include "runtime/prom/number.hpp"
#include "runtime/prom/utf8.hpp"

#include <cmath>
#include <cstring>

namespace nodepulse::prom {

std::string parse_error::to_string() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column)
         + ": " + reason;
}

namespace {

using namespace scan;

std::string quoted(std::string_view s) {
  constexpr size_t shown = 64;
  std::string out = "'";
  out.append(s.substr(0, shown));
  if (s.size() > shown)
    out += "...";
  out += "'";
  return out;
}

std::string describe(const char* at, const char* end) {
  if (at >= end)
    return "end of line";
  char ch = *at;
  if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f)
    return "byte 0x" + std::string{"0123456789abcdef"[(ch >> 4) & 0xf]}
           + std::string{"0123456789abcdef"[ch & 0xf]};
  return std::string{"'"} + ch + "'";
}

// -- the parser ---------------------------------------------------------------

class exposition_parser {
public:
  exposition_parser(std::string_view body, const parse_options& opts,
                    sample_batch& out, parse_result& res)
    : end_(body.data() + body.size()),
      pos_(body.data()),
      opts_(opts),
      om_(opts.format == exposition_format::openmetrics),
      out_(out),
      res_(res) {
  }

  void run();

private:
  // Records an error at `at` on the current line; always returns false so
  // callers can `return fail(...)`.
  bool fail(const char* at, std::string reason) {
    error_at_ = at;
    error_reason_ = std::move(reason);
    return false;
  }

  void report_line_error();
  bool parse_line();
  bool parse_comment(const char* p);
  bool parse_metadata(const char* p, std::string_view keyword);
  bool parse_sample(const char* p);
  bool parse_labels(const char*& p, label_range& range, bool exemplar);
  // The unescaped value, or a view with a null data() after fail().
  std::string_view parse_label_value(const char*& p);
  bool attach_to_family(const char* name_at, std::string_view name,
                        label_range labels, uint32_t& family);
  // Histogram buckets need `le`, summary quantiles `quantile`; other types
  // need nothing, which the inline test settles without a call.
  bool check_required_label(const char* name_at, std::string_view name,
                            const family& fam, label_range labels) {
    if (fam.type != metric_type::histogram && fam.type != metric_type::summary
        && fam.type != metric_type::gaugehistogram)
      return true;
    return check_required_label_value(name_at, name, fam, labels);
  }
  bool check_required_label_value(const char* name_at, std::string_view name,
                                  const family& fam, label_range labels);
  uint32_t add_family(std::string_view name, uint64_t name_hash);
  std::string_view unescape_help(const char* first, const char* last);

  // Every line ends in a '\n' or '\r' byte that belongs to no class but
  // token_end (see run()), so these scans stop at the line end without a
  // bounds check.
  static const char* skip_blanks(const char* p) {
    while (is(*p, blank))
      ++p;
    return p;
  }

  const char* scan_metric_name(const char* p) const {
    return is(*p, metric_start) ? skip_name_chars(p + 1, line_end_, true) : p;
  }

  static const char* scan_token(const char* p) {
    while (!is(*p, token_end))
      ++p;
    return p;
  }

  bool name_too_long(const char* at, size_t n) {
    auto limit = opts_.limits.max_name_bytes;
    return limit != 0 && n > limit && !fail_name_too_long(at, n, limit);
  }

  bool fail_name_too_long(const char* at, size_t n, size_t limit);

  const char* end_;
  const char* pos_;
  const char* line_start_ = nullptr;
  const char* line_end_ = nullptr;
  uint32_t line_no_ = 0;
  const parse_options& opts_;
  bool om_;
  bool seen_eof_ = false;
  bool stop_ = false;
  uint32_t current_ = family_index::npos;
  std::string_view last_name_; // name of the last accepted sample
  uint32_t last_family_ = family_index::npos; // and its family
  label_range last_labels_;                   // and its labels
  sample_batch& out_;
  parse_result& res_;
  const char* error_at_ = nullptr;
  std::string error_reason_;
};

void exposition_parser::run() {
  const bool strict = opts_.mode == parse_mode::strict;
  const size_t max_line = opts_.limits.max_line_bytes;
  while (pos_ < end_ && !stop_) {
    line_start_ = pos_;
    auto nl = static_cast<const char*>(
      std::memchr(pos_, '\n', static_cast<size_t>(end_ - pos_)));
    line_end_ = nl != nullptr ? nl : end_;
    pos_ = nl != nullptr ? nl + 1 : end_;
    ++line_no_;
    size_t len = static_cast<size_t>(line_end_ - line_start_);
    if (nl == nullptr && (max_line == 0 || len <= max_line)) {
      // The last line has no '\n': parse a terminated copy (in the arena, so
      // views into it live as long as the batch).
      char* copy = out_.arena.allocate(len + 1);
      std::memcpy(copy, line_start_, len);
      copy[len] = '\n';
      line_start_ = copy;
      line_end_ = copy + len;
    }
    // Tolerate CRLF line ends.
    if (line_end_ > line_start_ && line_end_[-1] == '\r')
      --line_end_;
    len = static_cast<size_t>(line_end_ - line_start_);
    bool ok;
    if (max_line != 0 && len > max_line) {
      ok = fail(line_start_ + max_line,
                "line too long (" + std::to_string(len) + " bytes, limit "
                  + std::to_string(max_line) + ")");
    } else if (seen_eof_) {
      ok = fail(line_start_, "content after # EOF");
    } else {
      ok = parse_line();
    }
    if (!ok) {
      report_line_error();
      if (strict)
        return;
    }
  }
  if (om_ && !seen_eof_ && !stop_) {
    line_start_ = line_end_ = end_;
    ++line_no_;
    fail(end_, "missing # EOF at the end of OpenMetrics input");
    report_line_error();
  }
}

bool exposition_parser::fail_name_too_long(const char* at, size_t n,
                                           size_t limit) {
  return fail(at, "name too long (" + std::to_string(n) + " bytes, limit "
                    + std::to_string(limit) + ")");
}

void exposition_parser::report_line_error() {
  res_.ok = false;
  ++res_.bad_lines;
  if (res_.errors.size() < std::max<size_t>(1, opts_.max_reported_errors)) {
    auto col = static_cast<uint32_t>(error_at_ - line_start_) + 1;
    res_.errors.push_back({line_no_, col, std::move(error_reason_)});
  }
  error_reason_.clear();
}

bool exposition_parser::parse_line() {
  const char* p = line_start_;
  if (!om_)
    p = skip_blanks(p);
  if (p == line_end_)
    return om_ ? fail(p, "empty line (not allowed in OpenMetrics)") : true;
  if (*p == '#')
    return parse_comment(p);
  return parse_sample(p);
}

// -- comments and metadata ----------------------------------------------------

bool exposition_parser::parse_comment(const char* p) {
  const char* word = skip_blanks(p + 1);
  const char* word_end = scan_token(word);
  std::string_view keyword{word, static_cast<size_t>(word_end - word)};
  if (om_ && keyword == "EOF" && skip_blanks(word_end) == line_end_) {
    seen_eof_ = true;
    return true;
  }
  bool metadata = keyword == "HELP" || keyword == "TYPE"
                  || (om_ && keyword == "UNIT");
  if (metadata && word_end < line_end_)
    return parse_metadata(skip_blanks(word_end), keyword);
  if (om_)
    return fail(p, "unexpected comment (OpenMetrics allows only # HELP, "
                   "# TYPE, # UNIT and # EOF)");
  return true; // text 0.0.4: any other comment is ignored
}

bool exposition_parser::parse_metadata(const char* p,
                                       std::string_view keyword) {
  const char* name_end = scan_metric_name(p);
  if (name_end == p)
    return fail(p, "expected a metric name after # " + std::string{keyword}
                     + ", got " + describe(p, line_end_));
  if (name_end < line_end_ && !is(*name_end, blank))
    return fail(name_end, "invalid character " + describe(name_end, line_end_)
                            + " in metric name");
  if (name_too_long(p, static_cast<size_t>(name_end - p)))
    return false;
  std::string_view name{p, static_cast<size_t>(name_end - p)};
  const char* rest = skip_blanks(name_end);

  uint32_t idx = family_index::npos;
  uint64_t name_hash = 0;
  if (current_ != family_index::npos && out_.families[current_].name == name) {
    idx = current_;
  } else {
    name_hash = family_index::hash(name);
    idx = out_.by_name.find(name, name_hash);
  }
  if (idx != family_index::npos && om_ && idx != current_)
    return fail(p, "metadata for family '" + std::string{name}
                     + "' after another family (OpenMetrics families must "
                       "not be interleaved)");
  if (idx == family_index::npos)
    idx = add_family(name, name_hash);
  family& fam = out_.families[idx];
  current_ = idx;

  if (keyword == "HELP") {
    if (fam.has_help)
      return fail(line_start_, "second HELP line for metric '"
                                 + std::string{name} + "'");
    if (om_ && fam.sample_count > 0)
      return fail(line_start_, "HELP for '" + std::string{name}
                                 + "' after its samples");
    std::string_view help = unescape_help(rest, line_end_);
    if (!error_reason_.empty())
      return false;
    fam.help = help;
    fam.has_help = true;
    return true;
  }

  const char* word_end = scan_token(rest);
  std::string_view word{rest, static_cast<size_t>(word_end - rest)};
  if (skip_blanks(word_end) != line_end_)
    return fail(skip_blanks(word_end),
                "unexpected text after # " + std::string{keyword} + " "
                  + std::string{name} + " " + std::string{word});

  if (keyword == "TYPE") {
    if (fam.has_type || fam.sample_count > 0)
      return fail(line_start_, "second TYPE line for metric '"
                                 + std::string{name}
                                 + "', or TYPE after its samples");
    std::optional<metric_type> type;
    if (om_) {
      type = parse_metric_type(word, true);
    } else if (word.size() <= 16) {
      // Go's parser takes the type in any case ("COUNTER"); so do we.
      char lower[16];
      for (size_t i = 0; i < word.size(); ++i)
        lower[i] = static_cast<char>(
          (word[i] >= 'A' && word[i] <= 'Z') ? word[i] + 32 : word[i]);
      type = parse_metric_type({lower, word.size()}, false);
    }
    if (!type)
      return fail(rest, word.empty() ? "missing metric type"
                                     : "unknown metric type " + quoted(word));
    fam.type = *type;
    fam.has_type = true;
    return true;
  }

  // # UNIT (OpenMetrics only)
  if (fam.has_unit)
    return fail(line_start_, "second UNIT line for metric '"
                               + std::string{name} + "'");
  if (fam.sample_count > 0)
    return fail(line_start_, "UNIT for '" + std::string{name}
                               + "' after its samples");
  if (!word.empty()
      && !(name.size() > word.size() + 1
           && name.compare(name.size() - word.size(), word.size(), word) == 0
           && name[name.size() - word.size() - 1] == '_'))
    return fail(rest, "unit " + quoted(word) + " is not a suffix of metric "
                        "name '" + std::string{name} + "'");
  fam.unit = word;
  fam.has_unit = true;
  return true;
}

std::string_view exposition_parser::unescape_help(const char* first,
                                                  const char* last) {
  std::string_view raw{first, static_cast<size_t>(last - first)};
  if (!valid_utf8(raw)) {
    fail(first, "help text is not valid UTF-8");
    return {};
  }
  auto bs = static_cast<const char*>(
    std::memchr(first, '\\', static_cast<size_t>(last - first)));
  if (bs == nullptr)
    return raw;
  // Text 0.0.4 escapes \\ and \n in HELP; OpenMetrics also \". Any other
  // backslash is kept as written, like Prometheus does.
  char* buf = out_.arena.allocate(raw.size());
  char* w = buf;
  for (const char* p = first; p < last; ++p) {
    if (*p == '\\' && p + 1 < last) {
      char n = p[1];
      if (n == '\\' || n == 'n' || (om_ && n == '"')) {
        *w++ = n == 'n' ? '\n' : n;
        ++p;
        continue;
      }
    }
    *w++ = *p;
  }
  return {buf, static_cast<size_t>(w - buf)};
}

uint32_t exposition_parser::add_family(std::string_view name,
                                       uint64_t name_hash) {
  auto idx = static_cast<uint32_t>(out_.families.size());
  family f;
  f.name = name;
  f.type = om_ ? metric_type::unknown : metric_type::untyped;
  out_.families.push_back(f);
  out_.by_name.insert(name, name_hash, idx);
  return idx;
}

// -- samples ------------------------------------------------------------------

bool exposition_parser::parse_sample(const char* p) {
  const char* name_at = p;
  // Most samples repeat the previous sample's name: a memcmp against it is
  // cheaper than checking every character of the name again.
  const size_t last_len = last_name_.size();
  const char* name_end;
  // (Views of earlier samples point into the input, never into the arena
  // copy of an unterminated last line: nothing follows that line.)
  const bool repeats_last_name =
    last_len != 0 && static_cast<size_t>(line_end_ - p) > last_len
    && same_bytes(p, static_cast<size_t>(line_end_ - p) + 1, last_name_.data(),
                  static_cast<size_t>(end_ - last_name_.data()), last_len)
    && !is(p[last_len], metric_char);
  if (repeats_last_name)
    name_end = p + last_len;
  else
    name_end = scan_metric_name(p);
  if (name_end == p)
    return fail(p, "expected a metric name, got " + describe(p, line_end_));
  if (name_too_long(p, static_cast<size_t>(name_end - p)))
    return false;
  std::string_view name{p, static_cast<size_t>(name_end - p)};
  p = name_end;
  if (p < line_end_ && !is(*p, blank) && *p != '{')
    return fail(p, "invalid character " + describe(p, line_end_)
                     + " in metric name");

  const size_t labels_mark = out_.labels.size();
  auto rollback = [&] { out_.labels.resize(labels_mark); };

  label_range labels{static_cast<uint32_t>(labels_mark), 0};
  p = skip_blanks(p);
  if (p < line_end_ && *p == '{') {
    if (!parse_labels(p, labels, false)) {
      rollback();
      return false;
    }
    p = skip_blanks(p);
  }

  // Value.
  const char* value_at = p;
  const char* value_end = scan_token(p);
  if (value_end == value_at) {
    rollback();
    return fail(p, "expected a sample value, got " + describe(p, line_end_));
  }
  double value;
  std::string_view value_text{value_at,
                              static_cast<size_t>(value_end - value_at)};
  if (!parse_value(value_text, value)) {
    rollback();
    return fail(value_at, "invalid sample value " + quoted(value_text));
  }
  p = skip_blanks(value_end);

  // Optional timestamp: int64 milliseconds (text), float seconds (OpenMetrics).
  bool has_ts = false;
  int64_t ts_ms = 0;
  if (p < line_end_ && *p != '#') {
    const char* ts_end = scan_token(p);
    std::string_view ts{p, static_cast<size_t>(ts_end - p)};
    if (om_) {
      double seconds;
      if (!parse_value(ts, seconds) || !std::isfinite(seconds)
          || std::fabs(seconds) > 9.2e15) {
        rollback();
        return fail(p, "invalid timestamp " + quoted(ts)
                         + " (OpenMetrics wants seconds)");
      }
      ts_ms = std::llround(seconds * 1000.0);
    } else if (!parse_int64(ts, ts_ms)) {
      rollback();
      return fail(p, "invalid timestamp " + quoted(ts)
                       + " (text format wants integer milliseconds)");
    }
    has_ts = true;
    p = skip_blanks(ts_end);
  }

  // Optional exemplar (OpenMetrics): ` # {labels} value [timestamp]`.
  uint32_t exemplar_idx = no_exemplar;
  if (p < line_end_) {
    if (!om_ || *p != '#') {
      rollback();
      return fail(p, "unexpected text after the sample: "
                       + quoted({p, static_cast<size_t>(line_end_ - p)}));
    }
    const char* ex_at = p;
    p = skip_blanks(p + 1);
    if (p >= line_end_ || *p != '{') {
      rollback();
      return fail(p, "expected '{' to open an exemplar's labels, got "
                       + describe(p, line_end_));
    }
    exemplar ex;
    ex.labels.first = static_cast<uint32_t>(out_.labels.size());
    if (!parse_labels(p, ex.labels, true)) {
      rollback();
      return false;
    }
    p = skip_blanks(p);
    const char* ev_end = scan_token(p);
    std::string_view ev{p, static_cast<size_t>(ev_end - p)};
    if (ev.empty() || !parse_value(ev, ex.value)) {
      rollback();
      return fail(p, "invalid exemplar value " + quoted(ev));
    }
    p = skip_blanks(ev_end);
    if (p < line_end_) {
      const char* et_end = scan_token(p);
      std::string_view et{p, static_cast<size_t>(et_end - p)};
      if (!parse_value(et, ex.timestamp_seconds)
          || !std::isfinite(ex.timestamp_seconds)) {
        rollback();
        return fail(p, "invalid exemplar timestamp " + quoted(et));
      }
      ex.has_timestamp = true;
      p = skip_blanks(et_end);
      if (p < line_end_) {
        rollback();
        return fail(p, "unexpected text after the exemplar");
      }
    }
    // OpenMetrics: exemplars only on counter _total and histogram buckets.
    bool allowed = name.size() > 6
                   && (name.compare(name.size() - 6, 6, "_total") == 0
                       || (name.size() > 7
                           && name.compare(name.size() - 7, 7, "_bucket") == 0));
    if (!allowed) {
      rollback();
      return fail(ex_at, "exemplar on '" + std::string{name}
                           + "' (only counter _total and histogram _bucket "
                             "samples may carry one)");
    }
    exemplar_idx = static_cast<uint32_t>(out_.exemplars.size());
    out_.exemplars.push_back(ex);
  }

  uint32_t fam_idx;
  if (repeats_last_name && last_family_ == current_) {
    // Same name, same family as the sample before: only the per-sample
    // label rule (le / quantile) is left to check.
    fam_idx = current_;
    if (!check_required_label(name_at, name, out_.families[fam_idx], labels)) {
      rollback();
      if (exemplar_idx != no_exemplar)
        out_.exemplars.pop_back();
      return false;
    }
  } else if (!attach_to_family(name_at, name, labels, fam_idx)) {
    rollback();
    if (exemplar_idx != no_exemplar)
      out_.exemplars.pop_back();
    return false;
  }

  auto max_samples = opts_.limits.max_samples;
  if (max_samples != 0 && out_.samples.size() >= max_samples) {
    rollback();
    if (exemplar_idx != no_exemplar)
      out_.exemplars.pop_back();
    if (opts_.mode == parse_mode::lenient) {
      ++res_.dropped_samples;
      return true;
    }
    return fail(name_at, "too many samples (limit "
                           + std::to_string(max_samples) + ")");
  }
  out_.families[fam_idx].sample_count++;
  last_name_ = name;
  last_family_ = fam_idx;
  last_labels_ = labels;
  out_.samples.push_back(
    sample{name, fam_idx, labels, value, has_ts, ts_ms, exemplar_idx});
  return true;
}

bool exposition_parser::parse_labels(const char*& cursor, label_range& range,
                                     bool exemplar) {
  // A local cursor and end: writing through `cursor` on every byte would
  // force the compiler to store and reload in the scan loops.
  const char* p = cursor;
  const char* const end = line_end_;
  const char* open = p;
  ++p; // '{'
  const size_t max_labels = opts_.limits.max_labels_per_sample;
  size_t exemplar_chars = 0;
  bool follows_last = !exemplar; // label names so far equal the last sample's
  for (;;) {
    p = skip_blanks(p);
    if (p >= end)
      return fail(p, "unterminated label set, '{' at column "
                       + std::to_string(open - line_start_ + 1)
                       + " is never closed");
    if (*p == '}') {
      ++p;
      break;
    }
    const char* lname_at = p;
    // Samples of a family mostly repeat the label names of the sample
    // before, in the same order: while they do, a compare replaces checking
    // each name's characters, its length and that it is not a duplicate.
    bool repeats = false;
    if (follows_last && range.count < last_labels_.count) {
      std::string_view prev = out_.labels[last_labels_.first + range.count].name;
      repeats = static_cast<size_t>(end - p) > prev.size()
                && same_bytes(p, static_cast<size_t>(end - p) + 1, prev.data(),
                              static_cast<size_t>(end_ - prev.data()),
                              prev.size())
                && !is(p[prev.size()], label_char);
      if (repeats)
        p += prev.size();
    }
    if (!repeats) {
      follows_last = false;
      if (!is(*p, label_start))
        return fail(p, "expected a label name or '}', got " + describe(p, end));
      p = skip_name_chars(p + 1, end, false);
      if (name_too_long(lname_at, static_cast<size_t>(p - lname_at)))
        return false;
    }
    std::string_view lname{lname_at, static_cast<size_t>(p - lname_at)};
    p = skip_blanks(p);
    if (p >= end || *p != '=')
      return fail(p, "expected '=' after label name '" + std::string{lname}
                       + "', got " + describe(p, end));
    ++p;
    p = skip_blanks(p);
    if (p >= end || *p != '"')
      return fail(p, "expected '\"' to open the value of label '"
                       + std::string{lname} + "', got " + describe(p, end));
    std::string_view lvalue = parse_label_value(p);
    if (lvalue.data() == nullptr)
      return false;
    // Duplicate names make a series ambiguous; Prometheus rejects them too.
    // (Names that repeat the last sample's are known to be distinct.)
    const label* seen = out_.labels.data() + range.first;
    for (uint32_t i = 0; !repeats && i < range.count; ++i)
      if (seen[i].name.size() == lname.size() && seen[i].name[0] == lname[0]
          && std::memcmp(seen[i].name.data(), lname.data(), lname.size()) == 0)
        return fail(lname_at, "duplicate label name '" + std::string{lname}
                                + "'");
    if (max_labels != 0 && range.count >= max_labels)
      return fail(lname_at,
                  "too many labels (limit " + std::to_string(max_labels) + ")");
    // Field by field: `push_back({lname, lvalue})` goes through a stack
    // temporary whose 16-byte reload misses store forwarding.
    label& added = out_.labels.emplace_back();
    added.name = lname;
    added.value = lvalue;
    ++range.count;
    exemplar_chars += lname.size() + lvalue.size();
    p = skip_blanks(p);
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    if (p < end && *p == '}') {
      ++p;
      break;
    }
    return fail(p, "expected ',' or '}' after label '" + std::string{lname}
                     + "', got " + describe(p, end));
  }
  if (exemplar && exemplar_chars > 128)
    return fail(open, "exemplar labels too long (" + std::to_string(exemplar_chars)
                        + " characters, OpenMetrics allows 128)");
  cursor = p;
  return true;
}

std::string_view exposition_parser::parse_label_value(const char*& cursor) {
  constexpr std::string_view failed{};
  const char* const end = line_end_;
  const char* open = cursor;
  const char* first = open + 1;
  // Plain ASCII up to the closing quote stays a view of the input.
  const char* p = find_value_special(first, end);
  bool escaped = false;
  bool non_ascii = false;
  const char* q = p;
  while (q < end && *q != '"') {
    if (*q == '\\') {
      escaped = true;
      if (q + 1 >= end)
        break;
      char n = q[1];
      if (n != '\\' && n != '"' && n != 'n')
        return fail(q, std::string{"invalid escape sequence '\\"} + n
                         + "' in label value (allowed: \\\\, \\\", \\n)"),
               failed;
      q += 2;
      continue;
    }
    if (static_cast<unsigned char>(*q) >= 0x80)
      non_ascii = true;
    ++q;
  }
  if (q >= end)
    return fail(open, "unterminated label value, the quote is never closed"),
           failed;
  size_t raw_len = static_cast<size_t>(q - first);
  std::string_view raw{first, raw_len};
  if (non_ascii && !valid_utf8(raw))
    return fail(first, "label value is not valid UTF-8"), failed;
  std::string_view value;
  if (!escaped) {
    value = raw;
  } else {
    char* buf = out_.arena.allocate(raw_len);
    char* w = buf;
    for (const char* r = first; r < q; ++r) {
      if (*r == '\\') {
        ++r;
        *w++ = *r == 'n' ? '\n' : *r;
      } else {
        *w++ = *r;
      }
    }
    value = {buf, static_cast<size_t>(w - buf)};
  }
  auto limit = opts_.limits.max_label_value_bytes;
  if (limit != 0 && value.size() > limit)
    return fail(first, "label value too long (" + std::to_string(value.size())
                         + " bytes, limit " + std::to_string(limit) + ")"),
           failed;
  cursor = q + 1;
  return value;
}

bool exposition_parser::attach_to_family(const char* name_at,
                                         std::string_view name,
                                         label_range labels,
                                         uint32_t& family_out) {
  // Common case: the sample continues the family being read.
  if (current_ != family_index::npos) {
    const family& cur = out_.families[current_];
    if (belongs_to_family(name, cur.name, cur.type, om_)) {
      family_out = current_;
      return check_required_label(name_at, name, cur, labels);
    }
  }
  // A family seen before: by exact name, or by stripping a known suffix.
  const uint64_t name_hash = family_index::hash(name);
  uint32_t idx = out_.by_name.find(name, name_hash);
  uint32_t exact = idx;
  if (idx != family_index::npos) {
    const family& f = out_.families[idx];
    if (!belongs_to_family(name, f.name, f.type, om_))
      idx = family_index::npos;
  }
  for (int from = 0; idx == family_index::npos;) {
    auto cand = next_family_candidate(name, from, om_);
    if (cand.base.empty())
      break;
    from = cand.next;
    uint32_t f = out_.by_name.find(cand.base);
    if (f != family_index::npos) {
      const family& fam = out_.families[f];
      if (belongs_to_family(name, fam.name, fam.type, om_))
        idx = f;
    }
  }
  if (idx == family_index::npos && exact != family_index::npos) {
    const family& f = out_.families[exact];
    return fail(name_at, "sample '" + std::string{name}
                           + "' does not fit family '" + std::string{f.name}
                           + "' of type " + std::string{to_string(f.type)});
  }
  if (idx == family_index::npos) {
    idx = add_family(name, name_hash); // an untyped sample: its own family
  } else if (om_ && idx != current_) {
    return fail(name_at, "sample '" + std::string{name} + "' of family '"
                           + std::string{out_.families[idx].name}
                           + "' after another family (OpenMetrics families "
                             "must not be interleaved)");
  }
  current_ = idx;
  family_out = idx;
  return check_required_label(name_at, name, out_.families[idx], labels);
}

bool exposition_parser::check_required_label_value(const char* name_at,
                                                   std::string_view name,
                                                   const family& fam,
                                                   label_range labels) {
  std::string_view needed = required_label(name, fam.name, fam.type);
  if (needed.empty())
    return true;
  for (const label& l : out_.labels_of(labels)) {
    if (l.name != needed)
      continue;
    double bound;
    if (!parse_value(l.value, bound))
      return fail(name_at, "invalid '" + std::string{needed} + "' value "
                             + quoted(l.value) + " on '" + std::string{name}
                             + "'");
    return true;
  }
  return fail(name_at, std::string{to_string(fam.type)} + " sample '"
                         + std::string{name} + "' has no '"
                         + std::string{needed} + "' label");
}

} // namespace

// -- entry points -------------------------------------------------------------

parse_result parse(std::string_view body, const parse_options& opts,
                   sample_batch& out) {
  out.clear();
  parse_result res;
  exposition_parser{body, opts, out, res}.run();
  return res;
}

std::optional<exposition_format>
format_from_content_type(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t'))
    media.remove_prefix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size())
      return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
      if (x != b[i])
        return false;
    }
    return true;
  };
  if (iequals(media, "application/openmetrics-text"))
    return exposition_format::openmetrics;
  if (iequals(media, "text/plain"))
    return exposition_format::text;
  return std::nullopt;
}

std::optional<exposition_format> format_from_name(std::string_view name) {
  if (name == "text")
    return exposition_format::text;
  if (name == "openmetrics")
    return exposition_format::openmetrics;
  return std::nullopt;
}

exposition_format detect_format(std::string_view content_type,
                                std::string_view body) {
  if (auto f = format_from_content_type(content_type))
    return *f;
  while (!body.empty()
         && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
    body.remove_suffix(1);
  constexpr std::string_view eof = "# EOF";
  bool ends_with_eof =
    body.size() >= eof.size()
    && body.compare(body.size() - eof.size(), eof.size(), eof) == 0
    && (body.size() == eof.size() || body[body.size() - eof.size() - 1] == '\n');
  return ends_with_eof ? exposition_format::openmetrics
                       : exposition_format::text;
}

} // namespace nodepulse::prom
