#include "lib/remote/snappy_body.hpp"

#include <snappy.h>

namespace nodepulse::remote {

snappy_outcome snappy_uncompress(std::string_view body, size_t max_bytes, std::string& out,
                                 size_t& length, std::string& error) {
  length = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &length)) {
    error = "the body is not snappy-compressed (block format): its length header is invalid";
    return snappy_outcome::invalid;
  }
  if (length > max_bytes)
    return snappy_outcome::too_large;
  out.resize(length);
  if (!snappy::RawUncompress(body.data(), body.size(), out.data())) {
    error = "the body is not valid snappy (block format): it does not decompress";
    return snappy_outcome::invalid;
  }
  return snappy_outcome::ok;
}

std::string snappy_compress(std::string_view plain) {
  std::string out;
  snappy::Compress(plain.data(), plain.size(), &out);
  return out;
}

} // namespace nodepulse::remote
