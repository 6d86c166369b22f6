// libFuzzer target: every input is parsed in both formats and both modes;
// whatever parses strictly must survive write -> parse unchanged in size.
#include "runtime/prom/parser.hpp"
#include "runtime/prom/writer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace nodepulse::prom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into an exact-size heap buffer so ASan sees any read past the end.
  std::string body(reinterpret_cast<const char*>(data), size);
  static sample_batch batch;
  for (auto fmt : {exposition_format::text, exposition_format::openmetrics}) {
    for (auto mode : {parse_mode::strict, parse_mode::lenient}) {
      parse_options opts;
      opts.format = fmt;
      opts.mode = mode;
      opts.limits.max_samples = 10000;
      auto res = parse(body, opts, batch);
      if (mode == parse_mode::strict && !res.ok && res.errors.size() != 1)
        std::abort();
      if (!res.ok || fmt != exposition_format::text)
        continue;
      // Round trip: written text parses to as many samples.
      std::string text;
      write_text(batch, text);
      sample_batch again;
      auto res2 = parse(text, {}, again);
      if (!res2.ok || again.samples.size() != batch.samples.size())
        std::abort();
    }
  }
  return 0;
}
