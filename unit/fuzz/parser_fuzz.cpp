// libFuzzer target: every input is parsed in both formats and both modes;
// whatever parses as text must survive write -> parse exactly.
#include "lib/prom/batch_diff.hpp"
#include "lib/prom/parser.hpp"
#include "lib/prom/writer.hpp"

#include <cstdint>
#include <cstdio>
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
      // Round trip: the written text parses back to the same batch.
      std::string text;
      write_text(batch, text);
      sample_batch again;
      parse_options reparse;
      reparse.limits.max_samples = 0;
      auto res2 = parse(text, reparse, again);
      if (!res2.ok) {
        std::fprintf(stderr, "written text rejected: %s\n%s\n",
                     res2.errors.front().to_string().c_str(), text.c_str());
        std::abort();
      }
      auto diff = first_difference(batch, again);
      if (!diff.empty()) {
        std::fprintf(stderr, "round trip changed %s\n%s\n", diff.c_str(), text.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
