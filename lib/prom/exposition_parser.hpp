// The parser's state machine, shared by parser.cpp (lines, comments and
// metadata) and parse_sample.cpp (samples, labels, families). Internal to
// lib/prom: use parse() from parser.hpp.
#pragma once

#include "lib/prom/char_scan.hpp"
#include "lib/prom/parser.hpp"

#include <string>
#include <string_view>

#if defined(__GNUC__)
#define NODEPULSE_HOT_INLINE inline __attribute__((always_inline))
#else
#define NODEPULSE_HOT_INLINE inline
#endif

namespace nodepulse::prom::detail {

using namespace scan;

// `s` in quotes, shortened to 64 bytes, for error messages.
std::string quoted(std::string_view s);

// The byte at `at` for an error message: 'x', "byte 0x7f" or "end of line".
std::string describe(const char* at, const char* end);

class exposition_parser {
public:
  exposition_parser(std::string_view body, const parse_options& opts, sample_batch& out,
                    parse_result& res)
    : end_(body.data() + body.size()), pos_(body.data()), opts_(opts),
      om_(opts.format == exposition_format::openmetrics), out_(out), res_(res) {}

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
  // The hot path, defined and only called in parse_sample.cpp. Forced
  // inline: as members with external linkage GCC would call them, which cost
  // ~12 % more instructions per sample than when the loop absorbed them.
  NODEPULSE_HOT_INLINE bool parse_line();
  bool parse_comment(const char* p);
  bool parse_metadata(const char* p, std::string_view keyword);
  NODEPULSE_HOT_INLINE bool parse_sample(const char* p);
  bool parse_labels(const char*& p, label_range& range, bool exemplar);
  // The unescaped value, or a view with a null data() after fail().
  NODEPULSE_HOT_INLINE std::string_view parse_label_value(const char*& p);
  bool attach_to_family(const char* name_at, std::string_view name, label_range labels,
                        uint32_t& family);
  // Histogram buckets need `le`, summary quantiles `quantile`; other types
  // need nothing, which the inline test settles without a call.
  bool check_required_label(const char* name_at, std::string_view name, const family& fam,
                            label_range labels) {
    if (fam.type != metric_type::histogram && fam.type != metric_type::summary
        && fam.type != metric_type::gaugehistogram)
      return true;
    return check_required_label_value(name_at, name, fam, labels);
  }
  bool check_required_label_value(const char* name_at, std::string_view name, const family& fam,
                                  label_range labels);
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

  // True (after fail()) when one more family would pass max_families.
  bool too_many_families(const char* at) {
    auto limit = opts_.limits.max_families;
    return limit != 0 && out_.families.size() >= limit && !fail_too_many_families(at, limit);
  }

  bool fail_too_many_families(const char* at, size_t limit);

  const char* end_;
  const char* pos_;
  const char* line_start_ = nullptr;
  const char* line_end_ = nullptr;
  uint32_t line_no_ = 0;
  const parse_options& opts_;
  bool om_;
  bool seen_eof_ = false;
  uint32_t current_ = family_index::npos;
  std::string_view last_name_;                // name of the last accepted sample
  uint32_t last_family_ = family_index::npos; // and its family
  label_range last_labels_;                   // and its labels
  sample_batch& out_;
  parse_result& res_;
  const char* error_at_ = nullptr;
  std::string error_reason_;
};

} // namespace nodepulse::prom::detail
