// libFuzzer target for the old agent's JSON report (POST /metrics): any
// bytes either map to samples or come back as an error that names what;
// nesting and size are refused before nlohmann builds a document, so deep
// input costs neither stack nor memory. ASan/UBSan catch the rest.
#include "lib/ingest/legacy_report.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace nodepulse;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json{reinterpret_cast<const char*>(data), size};
  prom::sample_batch batch;
  ingest::legacy_report report;
  auto error = ingest::parse_legacy_report(json, 1700000000000, batch, report);
  if (error.empty() && batch.samples.empty())
    std::abort(); // accepted, yet nothing to store
  for (const auto& l : batch.labels)
    if (l.value.find('\0') != std::string_view::npos)
      std::abort(); // PostgreSQL could not store it
  return 0;
}
