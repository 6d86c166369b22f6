// Request bodies compressed for sending (the agent's pushes, and tests):
// gzip through zlib, zstd through libzstd, the same libraries ingest
// inflates with.
#pragma once

#include "lib/http/inflate.hpp"

#include <string>
#include <string_view>

namespace nodepulse::http {

// `in` in `coding` (identity: a copy). Level: zlib's 1-9 for gzip, zstd's
// 1-19 for zstd.
std::string deflate(content_encoding coding, std::string_view in, int level);

} // namespace nodepulse::http
