// The snappy block bodies of remote write and remote read, both ways. A
// body's length header is read before anything is decompressed, so an
// outsized body costs nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nodepulse::remote {

enum class snappy_outcome { ok, invalid, too_large };

// Decompresses `body` into `out`: ok; invalid and `error` set (what is
// wrong with it); too_large when its header announces `length` bytes, more
// than `max_bytes` (the caller names its limit).
snappy_outcome snappy_uncompress(std::string_view body, size_t max_bytes, std::string& out,
                                 size_t& length, std::string& error);

std::string snappy_compress(std::string_view plain);

} // namespace nodepulse::remote
