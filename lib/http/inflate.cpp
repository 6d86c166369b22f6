#include "lib/http/inflate.hpp"

#include "lib/text/ascii.hpp"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

namespace nodepulse::http {

namespace {

// Output grows in steps, never past max_out + 1 bytes: one byte beyond the
// cap is how we learn that the body is larger than allowed.
constexpr size_t step = 64 * 1024;

size_t next_size(size_t current, size_t max_out) {
  return std::min(current + std::max(step, current), max_out + 1);
}

inflate_result too_large(size_t max_out) {
  return {inflate_status::too_large, "inflated body exceeds " + std::to_string(max_out) + " bytes"};
}

inflate_result inflate_gzip(std::string_view in, size_t max_out, std::string& out) {
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return {inflate_status::corrupt, "zlib could not start"};
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard{&zs, inflateEnd};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > max_out)
        return too_large(max_out);
      out.resize(next_size(out.size(), max_out));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    int rc = ::inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (produced > max_out)
      return too_large(max_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0)
        break;
      // Concatenated gzip members are one body (RFC 1952).
      if (inflateReset(&zs) != Z_OK)
        return {inflate_status::corrupt, "gzip: cannot read the next member"};
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0)
      return {inflate_status::corrupt, "gzip: body ends before the stream does"};
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return {inflate_status::corrupt,
              std::string{"gzip: "} + (zs.msg != nullptr ? zs.msg : "invalid data")};
  }
  out.resize(produced);
  return {};
}

inflate_result inflate_zstd(std::string_view in, size_t max_out, std::string& out) {
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds{ZSTD_createDStream(),
                                                              ZSTD_freeDStream};
  if (!ds)
    return {inflate_status::corrupt, "zstd could not start"};
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last_rc = 0;
  while (input.pos < input.size || last_rc != 0) {
    if (produced == out.size()) {
      if (out.size() > max_out)
        return too_large(max_out);
      out.resize(next_size(out.size(), max_out));
    }
    ZSTD_outBuffer output{out.data(), out.size(), produced};
    size_t before_in = input.pos;
    last_rc = ZSTD_decompressStream(ds.get(), &output, &input);
    if (ZSTD_isError(last_rc))
      return {inflate_status::corrupt, std::string{"zstd: "} + ZSTD_getErrorName(last_rc)};
    bool progressed = output.pos > produced || input.pos > before_in;
    produced = output.pos;
    if (produced > max_out)
      return too_large(max_out);
    if (!progressed && input.pos == input.size && produced < out.size())
      return {inflate_status::corrupt, "zstd: body ends before the frame does"};
  }
  out.resize(produced);
  return {};
}

} // namespace

std::optional<content_encoding> parse_content_encoding(std::string_view header) {
  auto h = text::trim(header);
  if (h.empty() || text::iequals(h, "identity"))
    return content_encoding::identity;
  if (text::iequals(h, "gzip") || text::iequals(h, "x-gzip"))
    return content_encoding::gzip;
  if (text::iequals(h, "zstd"))
    return content_encoding::zstd;
  return std::nullopt;
}

inflate_result inflate(content_encoding coding, std::string_view in, size_t max_out,
                       std::string& out) {
  out.clear();
  switch (coding) {
    case content_encoding::identity:
      if (in.size() > max_out)
        return too_large(max_out);
      out.assign(in);
      return {};
    case content_encoding::gzip:
      return inflate_gzip(in, max_out, out);
    case content_encoding::zstd:
      return inflate_zstd(in, max_out, out);
  }
  return {inflate_status::corrupt, "unknown coding"};
}

} // namespace nodepulse::http
