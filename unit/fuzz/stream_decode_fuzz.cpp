// libFuzzer target for the stream entry decoder (digest's input): any bytes
// after either magic (a parsed push, a remote write request) either fail
// with an error or decode to a batch that encodes and decodes back to itself. ASan/UBSan catch every bad read.
#include "lib/prom/batch_diff.hpp"
#include "lib/valkey/stream_codec.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace nodepulse;

namespace {

// Whatever decodes, in either form, must re-encode (plain and zstd) and
// decode to the same batch.
void check(const char* magic, const uint8_t* data, size_t size) {
  constexpr int64_t received = 1700000000000;
  // The magic is given, so the fuzzer spends its time on flags and body.
  std::string payload = magic;
  payload.append(reinterpret_cast<const char*>(data), size);
  prom::sample_batch batch;
  std::string scratch;
  if (!valkey::decode_payload(payload, received, batch, scratch).empty())
    return;
  for (int level : {0, 1}) {
    std::string again;
    valkey::encode_payload(batch, received, {level}, again);
    prom::sample_batch back;
    std::string scratch2;
    auto err = valkey::decode_payload(again, received, back, scratch2);
    auto diff = err.empty() ? prom::first_difference(batch, back) : err;
    if (!diff.empty()) {
      std::fprintf(stderr, "re-encoded batch differs: %s\n", diff.c_str());
      std::abort();
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check("NPB1", data, size); // a parsed push
  check("NPW1", data, size); // a remote write request as sent
  return 0;
}
