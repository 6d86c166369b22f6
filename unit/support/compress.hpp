// gzip and zstd for tests that send or inflate compressed bodies: zlib and
// libzstd themselves (lib/http/deflate), so a test never checks our
// inflater against a compressor of our own making.
#pragma once

#include "lib/http/deflate.hpp"

#include <string>

namespace nodepulse::test {

inline std::string gzip(const std::string& in, int level = 6) {
  return http::deflate(http::content_encoding::gzip, in, level);
}

inline std::string zstd(const std::string& in, int level = 3) {
  return http::deflate(http::content_encoding::zstd, in, level);
}

} // namespace nodepulse::test
