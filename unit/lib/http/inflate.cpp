#define CAF_SUITE lib.http.inflate
#include <caf/test/unit_test.hpp>

#include "lib/http/inflate.hpp"

#include "unit/support/compress.hpp"

#include <zlib.h>

#include <string>

using namespace nodepulse::http;
using nodepulse::test::gzip;
using nodepulse::test::zstd;

namespace {

std::string body(size_t n) {
  std::string s;
  while (s.size() < n)
    s += "node_cpu_seconds_total{cpu=\"" + std::to_string(s.size() % 97) + "\",mode=\"idle\"} "
         + std::to_string(s.size()) + "\n";
  s.resize(n);
  return s;
}

} // namespace

CAF_TEST(content encodings are read case -insensitively and lists are refused) {
  CAF_CHECK(parse_content_encoding("") == content_encoding::identity);
  CAF_CHECK(parse_content_encoding("identity") == content_encoding::identity);
  CAF_CHECK(parse_content_encoding(" GZip ") == content_encoding::gzip);
  CAF_CHECK(parse_content_encoding("x-gzip") == content_encoding::gzip);
  CAF_CHECK(parse_content_encoding("zstd") == content_encoding::zstd);
  CAF_CHECK(!parse_content_encoding("br"));
  CAF_CHECK(!parse_content_encoding("deflate"));
  CAF_CHECK(!parse_content_encoding("gzip, zstd"));
}

CAF_TEST(gzip and zstd bodies inflate to what was compressed) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300000}}) {
    std::string original = body(n);
    std::string out;
    auto g = inflate(content_encoding::gzip, gzip(original), 1 << 20, out);
    CAF_CHECK(g.status == inflate_status::ok);
    CAF_CHECK(out == original);
    auto z = inflate(content_encoding::zstd, zstd(original), 1 << 20, out);
    CAF_CHECK(z.status == inflate_status::ok);
    CAF_CHECK(out == original);
  }
}

CAF_TEST(concatenated gzip members and zstd frames are one body) {
  std::string a = body(5000), b = body(7000);
  std::string out;
  CAF_CHECK(inflate(content_encoding::gzip, gzip(a) + gzip(b), 1 << 20, out).status
            == inflate_status::ok);
  CAF_CHECK(out == a + b);
  CAF_CHECK(inflate(content_encoding::zstd, zstd(a) + zstd(b), 1 << 20, out).status
            == inflate_status::ok);
  CAF_CHECK(out == a + b);
}

CAF_TEST(a body exactly at the cap is accepted and one byte more is too large) {
  std::string original = body(100000);
  std::string out;
  for (auto coding : {content_encoding::gzip, content_encoding::zstd}) {
    std::string packed = coding == content_encoding::gzip ? gzip(original) : zstd(original);
    CAF_CHECK(inflate(coding, packed, 100000, out).status == inflate_status::ok);
    CAF_CHECK_EQUAL(out.size(), 100000u);
    auto r = inflate(coding, packed, 99999, out);
    CAF_CHECK(r.status == inflate_status::too_large);
    CAF_CHECK_EQUAL(r.error, "inflated body exceeds 99999 bytes");
  }
  CAF_CHECK(inflate(content_encoding::identity, original, 99999, out).status
            == inflate_status::too_large);
}

CAF_TEST(a compression bomb stops at the cap without holding more) {
  // 256 MiB of zeros compress to a few hundred KiB.
  std::string zeros(256u << 20, '\0');
  std::string g = gzip(zeros), z = zstd(zeros);
  zeros.clear();
  zeros.shrink_to_fit();
  CAF_CHECK_LESS(g.size(), 1u << 20);
  std::string out;
  for (const auto& [coding, packed] :
       {std::pair{content_encoding::gzip, g}, std::pair{content_encoding::zstd, z}}) {
    auto r = inflate(coding, packed, 8u << 20, out);
    CAF_CHECK(r.status == inflate_status::too_large);
    // Never more than the cap plus the one byte that proves the excess.
    CAF_CHECK_LESS_OR_EQUAL(out.size(), (8u << 20) + 1);
  }
}

CAF_TEST(corrupt or cut bodies are errors that say so) {
  std::string original = body(50000);
  std::string g = gzip(original), z = zstd(original);
  std::string out;
  auto cut_g = inflate(content_encoding::gzip, g.substr(0, g.size() / 2), 1 << 20, out);
  CAF_CHECK(cut_g.status == inflate_status::corrupt);
  CAF_CHECK_EQUAL(cut_g.error, "gzip: body ends before the stream does");
  auto cut_z = inflate(content_encoding::zstd, z.substr(0, z.size() / 2), 1 << 20, out);
  CAF_CHECK(cut_z.status == inflate_status::corrupt);
  CAF_CHECK_EQUAL(cut_z.error, "zstd: body ends before the frame does");
  auto not_gzip = inflate(content_encoding::gzip, original, 1 << 20, out);
  CAF_CHECK(not_gzip.status == inflate_status::corrupt);
  CAF_CHECK_EQUAL(not_gzip.error.rfind("gzip: ", 0), 0u);
  auto not_zstd = inflate(content_encoding::zstd, original, 1 << 20, out);
  CAF_CHECK(not_zstd.status == inflate_status::corrupt);
  CAF_CHECK_EQUAL(not_zstd.error.rfind("zstd: ", 0), 0u);
  std::string flipped = g;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x55);
  CAF_CHECK(inflate(content_encoding::gzip, flipped, 1 << 20, out).status
            == inflate_status::corrupt);
}
