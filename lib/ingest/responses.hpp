// The JSON bodies of the wire contract (docs/architecture.md#wire-contract), in one
// place: what an agent, a test or an operator reading a log will see.
//
//   200 {"status":"success","metrics_received":4}
//   200 {"status":"success","metrics_received":3,"rejected":1,
//        "reason":"sample 'b' at line 2 is 3600 s ahead ...","line":2}
//   400 {"status":"error","error":"expected ...","line":2,"column":11}
//   401/403/411/413/415/503 {"status":"error","error":"..."}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nodepulse::ingest {

struct response {
  int status = 200;
  std::string body;      // JSON
  std::string message{}; // an error's text alone, for endpoints that answer in text
};

response success_response(uint64_t metrics_received, uint64_t rejected = 0,
                          std::string_view first_reason = {}, uint32_t first_line = 0);

response error_response(int status, std::string_view message);

// 400 for malformed text, 413 for a count limit passed at that line.
response parse_error_response(uint32_t line, uint32_t column, std::string_view reason,
                              int status = 400);

} // namespace nodepulse::ingest
