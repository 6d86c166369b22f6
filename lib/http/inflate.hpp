// Request bodies with `Content-Encoding: gzip` or `zstd`, inflated with a cap
// on the output: a compression bomb stops at the cap (ingest answers 413)
// without ever holding more than the cap in memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nodepulse::http {

enum class content_encoding { identity, gzip, zstd };

// The coding a Content-Encoding header names (case-insensitive; empty and
// "identity" are identity, "x-gzip" is gzip); nullopt for anything else,
// including a list of codings (ingest answers 415).
std::optional<content_encoding> parse_content_encoding(std::string_view header);

enum class inflate_status {
  ok,
  too_large, // the inflated body would exceed the cap
  corrupt,   // not valid data in that coding, or cut short
};

struct inflate_result {
  inflate_status status = inflate_status::ok;
  std::string error; // what went wrong, for the error response
};

// Inflates `in` into `out` (replacing its content), producing at most
// `max_out` bytes.
inflate_result inflate(content_encoding coding, std::string_view in, size_t max_out,
                       std::string& out);

} // namespace nodepulse::http
