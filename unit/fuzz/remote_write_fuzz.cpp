// libFuzzer target for the remote write decoder (POST /api/v1/write): the
// input is the decompressed body, compressed here as a sender would, so
// the fuzzer explores the protobuf and the checks rather than snappy's
// framing. Any bytes either become samples whose names and labels are
// valid, or an error that says what. ASan/UBSan catch the rest.
#include "lib/remote/write_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace nodepulse;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static remote::write_decoder decoder;
  static remote::metadata_cache cache{1000};
  static prom::sample_batch batch;
  std::string_view plain{reinterpret_cast<const char*>(data), size};
  remote::write_limits limits;
  limits.limits.max_samples = 10'000;
  auto r = decoder.decode(remote::snappy_compress(plain), "fuzz", &cache, limits, batch);
  if (!r.ok && (r.error.empty() || !batch.samples.empty()))
    std::abort(); // an error says what, and leaves nothing behind
  for (const auto& s : batch.samples) {
    if (s.name.empty() || s.family >= batch.families.size())
      std::abort();
    for (const auto& l : batch.labels_of(s.labels))
      if (l.name.empty() || l.name == "__name__" || l.value.empty())
        std::abort();
  }
  return 0;
}
