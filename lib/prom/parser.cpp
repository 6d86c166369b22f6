#include "lib/prom/parser.hpp"

#include "lib/prom/exposition_parser.hpp"
#include "lib/prom/family_rules.hpp"
#include "lib/prom/number.hpp"
#include "lib/prom/utf8.hpp"
#include "lib/text/ascii.hpp"

#include <cstring>

namespace nodepulse::prom {

std::string parse_error::to_string() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + reason;
}

namespace detail {

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

bool exposition_parser::fail_name_too_long(const char* at, size_t n, size_t limit) {
  return fail(at, "name too long (" + std::to_string(n) + " bytes, limit " + std::to_string(limit)
                    + ")");
}

bool exposition_parser::fail_too_many_families(const char* at, size_t limit) {
  return fail(at, "too many metric families (limit " + std::to_string(limit) + ")");
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

// -- comments and metadata ----------------------------------------------------

bool exposition_parser::parse_comment(const char* p) {
  const char* word = skip_blanks(p + 1);
  const char* word_end = scan_token(word);
  std::string_view keyword{word, static_cast<size_t>(word_end - word)};
  if (om_ && keyword == "EOF" && skip_blanks(word_end) == line_end_) {
    seen_eof_ = true;
    return true;
  }
  bool metadata = keyword == "HELP" || keyword == "TYPE" || (om_ && keyword == "UNIT");
  if (metadata && word_end < line_end_)
    return parse_metadata(skip_blanks(word_end), keyword);
  if (om_)
    return fail(p, "unexpected comment (OpenMetrics allows only # HELP, "
                   "# TYPE, # UNIT and # EOF)");
  return true; // text 0.0.4: any other comment is ignored
}

bool exposition_parser::parse_metadata(const char* p, std::string_view keyword) {
  const char* name_end = scan_metric_name(p);
  if (name_end == p)
    return fail(p, "expected a metric name after # " + std::string{keyword} + ", got "
                     + describe(p, line_end_));
  if (name_end < line_end_ && !is(*name_end, blank))
    return fail(name_end, "invalid character " + describe(name_end, line_end_) + " in metric name");
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
  if (idx == family_index::npos) {
    if (too_many_families(p))
      return false;
    idx = add_family(name, name_hash);
  }
  family& fam = out_.families[idx];
  current_ = idx;

  if (keyword == "HELP") {
    if (fam.has_help)
      return fail(line_start_, "second HELP line for metric '" + std::string{name} + "'");
    if (om_ && fam.sample_count > 0)
      return fail(line_start_, "HELP for '" + std::string{name} + "' after its samples");
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
    return fail(skip_blanks(word_end), "unexpected text after # " + std::string{keyword} + " "
                                         + std::string{name} + " " + std::string{word});

  if (keyword == "TYPE") {
    if (fam.has_type || fam.sample_count > 0)
      return fail(line_start_, "second TYPE line for metric '" + std::string{name}
                                 + "', or TYPE after its samples");
    std::optional<metric_type> type;
    if (om_) {
      type = parse_metric_type(word, true);
    } else if (word.size() <= 16) {
      // Go's parser takes the type in any case ("COUNTER"); so do we.
      char lower[16];
      for (size_t i = 0; i < word.size(); ++i)
        lower[i] = text::ascii_lower(word[i]);
      type = parse_metric_type({lower, word.size()}, false);
    }
    if (!type)
      return fail(rest,
                  word.empty() ? "missing metric type" : "unknown metric type " + quoted(word));
    fam.type = *type;
    fam.has_type = true;
    return true;
  }

  // # UNIT (OpenMetrics only)
  if (fam.has_unit)
    return fail(line_start_, "second UNIT line for metric '" + std::string{name} + "'");
  if (fam.sample_count > 0)
    return fail(line_start_, "UNIT for '" + std::string{name} + "' after its samples");
  if (!word.empty()
      && !(name.size() > word.size() + 1
           && name.compare(name.size() - word.size(), word.size(), word) == 0
           && name[name.size() - word.size() - 1] == '_'))
    return fail(rest, "unit " + quoted(word)
                        + " is not a suffix of metric "
                          "name '"
                        + std::string{name} + "'");
  fam.unit = word;
  fam.has_unit = true;
  return true;
}

std::string_view exposition_parser::unescape_help(const char* first, const char* last) {
  std::string_view raw{first, static_cast<size_t>(last - first)};
  if (!valid_utf8(raw)) {
    fail(first, "help text is not valid UTF-8");
    return {};
  }
  if (auto nul = raw.find('\0'); nul != std::string_view::npos) {
    fail(first + nul, "help text holds a NUL byte, which cannot be stored");
    return {};
  }
  auto bs = static_cast<const char*>(std::memchr(first, '\\', static_cast<size_t>(last - first)));
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

uint32_t exposition_parser::add_family(std::string_view name, uint64_t name_hash) {
  auto idx = static_cast<uint32_t>(out_.families.size());
  family f;
  f.name = name;
  f.type = om_ ? metric_type::unknown : metric_type::untyped;
  out_.families.push_back(f);
  out_.by_name.insert(name, name_hash, idx);
  return idx;
}

// -- families -----------------------------------------------------------------

bool exposition_parser::attach_to_family(const char* name_at, std::string_view name,
                                         label_range labels, uint32_t& family_out) {
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
    return fail(name_at, "sample '" + std::string{name} + "' does not fit family '"
                           + std::string{f.name} + "' of type " + std::string{to_string(f.type)});
  }
  if (idx == family_index::npos) {
    if (too_many_families(name_at))
      return false;
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

bool exposition_parser::check_required_label_value(const char* name_at, std::string_view name,
                                                   const family& fam, label_range labels) {
  std::string_view needed = required_label(name, fam.name, fam.type);
  if (needed.empty())
    return true;
  for (const label& l : out_.labels_of(labels)) {
    if (l.name != needed)
      continue;
    double bound;
    if (!parse_value(l.value, bound))
      return fail(name_at, "invalid '" + std::string{needed} + "' value " + quoted(l.value)
                             + " on '" + std::string{name} + "'");
    return true;
  }
  return fail(name_at, std::string{to_string(fam.type)} + " sample '" + std::string{name}
                         + "' has no '" + std::string{needed} + "' label");
}

} // namespace detail

// -- entry points -------------------------------------------------------------

parse_result parse(std::string_view body, const parse_options& opts, sample_batch& out) {
  out.clear();
  parse_result res;
  detail::exposition_parser{body, opts, out, res}.run();
  return res;
}

} // namespace nodepulse::prom
