// Prometheus text format 0.0.4 and OpenMetrics 1.0 parser.
//
// Zero-copy: the batch holds views into `body` (plus its arena for unescaped
// strings), so `body` must outlive the batch's use. Strict mode stops at the
// first error (what ingest needs: reject the body); lenient mode skips bad
// lines, counts them and keeps the rest (what the agent needs).
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nodepulse::prom {

enum class exposition_format { text, openmetrics };

enum class parse_mode { strict, lenient };

// Each limit has its own error; zero means unlimited.
struct parse_limits {
  size_t max_line_bytes = 64 * 1024;
  size_t max_labels_per_sample = 128;
  size_t max_name_bytes = 1024; // metric and label names
  size_t max_label_value_bytes = 16 * 1024;
  size_t max_samples = 0;
  // Families (by TYPE, HELP or UNIT line, or a sample's name): a body of
  // metadata without samples must not cost what its samples would.
  size_t max_families = 0;
};

struct parse_options {
  exposition_format format = exposition_format::text;
  parse_mode mode = parse_mode::strict;
  parse_limits limits;
  size_t max_reported_errors = 16; // lenient mode keeps the first N errors
};

struct parse_error {
  uint32_t line = 0;   // 1-based
  uint32_t column = 0; // 1-based, in bytes
  std::string reason;

  // "line L, column C: reason"
  std::string to_string() const;
};

struct parse_result {
  // No error at all. In strict mode !ok means the body is rejected and the
  // batch must not be used.
  bool ok = true;
  size_t bad_lines = 0;            // lenient: lines skipped
  size_t dropped_samples = 0;      // lenient: samples over limits.max_samples
  std::vector<parse_error> errors; // strict: the one error; lenient: the first N
};

// Parses `body` into `out` (cleared first).
parse_result parse(std::string_view body, const parse_options& opts, sample_batch& out);

// `application/openmetrics-text` -> openmetrics, `text/plain` -> text,
// anything else (or empty) -> nullopt.
std::optional<exposition_format> format_from_content_type(std::string_view content_type);

// "text" or "openmetrics" (what --format takes); nullopt for anything else,
// including "auto".
std::optional<exposition_format> format_from_name(std::string_view name);

// The content type decides when it names a format; otherwise a body whose last
// line is `# EOF` is OpenMetrics, and anything else is text 0.0.4.
exposition_format detect_format(std::string_view content_type, std::string_view body);

} // namespace nodepulse::prom
