// The hot path: the line loop and sample lines (name, labels, value,
// timestamp, exemplar). Kept in one translation unit so the loop inlines
// the sample parser.
#include "lib/prom/exposition_parser.hpp"
#include "lib/prom/family_rules.hpp"
#include "lib/prom/number.hpp"
#include "lib/prom/utf8.hpp"

#include <cmath>
#include <cstring>

namespace nodepulse::prom::detail {

// -- lines --------------------------------------------------------------------

void exposition_parser::run() {
  const bool strict = opts_.mode == parse_mode::strict;
  const size_t max_line = opts_.limits.max_line_bytes;
  while (pos_ < end_) {
    line_start_ = pos_;
    auto nl = static_cast<const char*>(std::memchr(pos_, '\n', static_cast<size_t>(end_ - pos_)));
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
      ok = fail(line_start_ + max_line, "line too long (" + std::to_string(len) + " bytes, limit "
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
  if (om_ && !seen_eof_) {
    line_start_ = line_end_ = end_;
    ++line_no_;
    fail(end_, "missing # EOF at the end of OpenMetrics input");
    report_line_error();
  }
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
    return fail(p, "invalid character " + describe(p, line_end_) + " in metric name");

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
  std::string_view value_text{value_at, static_cast<size_t>(value_end - value_at)};
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
      if (!parse_value(ts, seconds) || !std::isfinite(seconds) || std::fabs(seconds) > 9.2e15) {
        rollback();
        return fail(p, "invalid timestamp " + quoted(ts) + " (OpenMetrics wants seconds)");
      }
      ts_ms = std::llround(seconds * 1000.0);
    } else if (!parse_int64(ts, ts_ms)) {
      rollback();
      return fail(p,
                  "invalid timestamp " + quoted(ts) + " (text format wants integer milliseconds)");
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
      return fail(p, "expected '{' to open an exemplar's labels, got " + describe(p, line_end_));
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
      if (!parse_value(et, ex.timestamp_seconds) || !std::isfinite(ex.timestamp_seconds)) {
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
                       || (name.size() > 7 && name.compare(name.size() - 7, 7, "_bucket") == 0));
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
    return fail(name_at, "too many samples (limit " + std::to_string(max_samples) + ")");
  }
  out_.families[fam_idx].sample_count++;
  last_name_ = name;
  last_family_ = fam_idx;
  last_labels_ = labels;
  out_.samples.push_back(
    sample{name, fam_idx, labels, value, has_ts, ts_ms, exemplar_idx, line_no_});
  return true;
}

bool exposition_parser::parse_labels(const char*& cursor, label_range& range, bool exemplar) {
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
                       + std::to_string(open - line_start_ + 1) + " is never closed");
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
                              static_cast<size_t>(end_ - prev.data()), prev.size())
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
      return fail(p, "expected '=' after label name '" + std::string{lname} + "', got "
                       + describe(p, end));
    ++p;
    p = skip_blanks(p);
    if (p >= end || *p != '"')
      return fail(p, "expected '\"' to open the value of label '" + std::string{lname} + "', got "
                       + describe(p, end));
    std::string_view lvalue = parse_label_value(p);
    if (lvalue.data() == nullptr)
      return false;
    // Duplicate names make a series ambiguous; Prometheus rejects them too.
    // (Names that repeat the last sample's are known to be distinct.)
    const label* seen = out_.labels.data() + range.first;
    for (uint32_t i = 0; !repeats && i < range.count; ++i)
      if (seen[i].name.size() == lname.size() && seen[i].name[0] == lname[0]
          && std::memcmp(seen[i].name.data(), lname.data(), lname.size()) == 0)
        return fail(lname_at, "duplicate label name '" + std::string{lname} + "'");
    if (max_labels != 0 && range.count >= max_labels)
      return fail(lname_at, "too many labels (limit " + std::to_string(max_labels) + ")");
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
    return fail(p, "expected ',' or '}' after label '" + std::string{lname} + "', got "
                     + describe(p, end));
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
    if (*q == '\0') // PostgreSQL's text and JSONB cannot hold it
      return fail(q, "label value holds a NUL byte, which cannot be stored"), failed;
    if (static_cast<unsigned char>(*q) >= 0x80)
      non_ascii = true;
    ++q;
  }
  if (q >= end)
    return fail(open, "unterminated label value, the quote is never closed"), failed;
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
    return fail(first, "label value too long (" + std::to_string(value.size()) + " bytes, limit "
                         + std::to_string(limit) + ")"),
           failed;
  cursor = q + 1;
  return value;
}

} // namespace nodepulse::prom::detail
