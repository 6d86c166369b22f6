// The old Go agent's JSON report (`POST /metrics`), mapped to ordinary
// samples so both formats land in the same table (docs/legacy-json.md):
//
//   cpu.usage_percent      -> nodepulse_cpu_usage_percent
//   memory.used_mb         -> nodepulse_memory_used_bytes     (x 1048576)
//   memory.total_mb        -> nodepulse_memory_total_bytes    (x 1048576)
//   memory.usage_percent   -> nodepulse_memory_usage_percent
//   network.upload_bytes   -> nodepulse_network_upload_bytes
//   network.download_bytes -> nodepulse_network_download_bytes
//   uptime.days            -> nodepulse_uptime_days
//   system_info, hostname  -> nodepulse_system_info{hostname,kernel,...} 1
#pragma once

#include "lib/prom/sample_batch.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nodepulse::ingest {

// A real report is under 2 KB; these leave room and no more.
inline constexpr size_t max_legacy_report_bytes = 64 * 1024;
inline constexpr size_t max_legacy_label_bytes = 1024;

struct legacy_report {
  std::string server_id;
  int64_t timestamp_ms = 0; // the report's, or the receive time without one
};

// Parses `json` into `out` (cleared first; its strings live in out.arena).
// Every sample is stamped with the report's timestamp. Returns "" or an error
// naming the field, or the line and column of malformed JSON.
std::string parse_legacy_report(std::string_view json, int64_t received_at_ms,
                                prom::sample_batch& out, legacy_report& report);

// An RFC 3339 time ("2025-10-27T10:00:00Z", "...T12:00:00.250+02:00") in
// milliseconds since the epoch; nullopt when it is not one.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

} // namespace nodepulse::ingest
