// server.format: json. The old Go agent's JSON report (docs/legacy-json.md),
// computed from a node_exporter scrape, for ingests that only take POST
// /metrics:
//
//   cpu.usage_percent     100 x (1 - idle+iowait / all) of node_cpu_seconds_total,
//                         since the previous report (since boot for the first)
//   memory.*              node_memory_MemTotal_bytes - MemAvailable_bytes, in MiB
//   network.*_bytes       node_network_{transmit,receive}_bytes_total without lo,
//                         since the previous report (0 for the first)
//   uptime.days           node_time_seconds - node_boot_time_seconds
//   system_info           node_uname_info, node_os_info, the CPUs counted
//
// The reporter keeps the previous scrape's counters; a scrape older than
// the last one reported (a replayed backlog behind a fresh scrape) is
// reported against boot rather than against the future.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nodepulse::agent {

class legacy_reporter {
public:
  // The report for the scrape `text` (text 0.0.4, as the agent keeps it),
  // scraped at `time_ms` on server `server_id`; "" and `error` set when the
  // text holds nothing the report has (not node_exporter).
  std::string report(std::string_view text, int64_t time_ms, const std::string& server_id,
                     std::string& error);

private:
  struct counters {
    int64_t time_ms = 0;
    double cpu_all = 0;
    double cpu_idle = 0;
    double transmitted = 0;
    double received = 0;
  };
  counters last_;
};

// `ms` since the epoch as RFC 3339 in UTC with milliseconds.
std::string rfc3339_utc(int64_t ms);

} // namespace nodepulse::agent
