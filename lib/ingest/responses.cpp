#include "lib/ingest/responses.hpp"

#include "lib/prom/jsonl_writer.hpp"

namespace nodepulse::ingest {

response success_response(uint64_t metrics_received, uint64_t rejected,
                          std::string_view first_reason, uint32_t first_line) {
  response r;
  r.body = "{\"status\":\"success\",\"metrics_received\":" + std::to_string(metrics_received);
  if (rejected > 0) {
    r.body += ",\"rejected\":" + std::to_string(rejected) + ",\"reason\":";
    prom::append_json_string(first_reason, r.body);
    r.body += ",\"line\":" + std::to_string(first_line);
  }
  r.body += '}';
  return r;
}

response error_response(int status, std::string_view message) {
  response r;
  r.status = status;
  r.body = "{\"status\":\"error\",\"error\":";
  prom::append_json_string(message, r.body);
  r.body += '}';
  r.message = std::string{message};
  return r;
}

response parse_error_response(uint32_t line, uint32_t column, std::string_view reason, int status) {
  response r = error_response(status, reason);
  r.body.pop_back();
  r.body += ",\"line\":" + std::to_string(line) + ",\"column\":" + std::to_string(column) + '}';
  return r;
}

} // namespace nodepulse::ingest
