#include "lib/agent/legacy_json.hpp"

#include "lib/prom/parser.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <set>

namespace nodepulse::agent {

namespace {

std::string_view label_of(const prom::sample_batch& b, const prom::sample& s,
                          std::string_view name) {
  for (const auto& l : b.labels_of(s.labels))
    if (l.name == name)
      return l.value;
  return {};
}

} // namespace

std::string rfc3339_utc(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char buf[96]; // room for any int the compiler imagines
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string legacy_reporter::report(std::string_view text, int64_t time_ms,
                                    const std::string& server_id, std::string& error) {
  prom::sample_batch b;
  prom::parse_options opts;
  opts.mode = prom::parse_mode::lenient;
  prom::parse(text, opts, b);
  counters now;
  now.time_ms = time_ms;
  double mem_total = -1, mem_available = -1, boot = -1, clock = -1;
  std::set<std::string_view> cpus;
  nlohmann::json info = nlohmann::json::object();
  for (const auto& s : b.samples) {
    const auto& name = s.name;
    if (name == "node_cpu_seconds_total") {
      auto mode = label_of(b, s, "mode");
      now.cpu_all += s.value;
      if (mode == "idle" || mode == "iowait")
        now.cpu_idle += s.value;
      cpus.insert(label_of(b, s, "cpu"));
    } else if (name == "node_memory_MemTotal_bytes") {
      mem_total = s.value;
    } else if (name == "node_memory_MemAvailable_bytes") {
      mem_available = s.value;
    } else if (name == "node_network_transmit_bytes_total" && label_of(b, s, "device") != "lo") {
      now.transmitted += s.value;
    } else if (name == "node_network_receive_bytes_total" && label_of(b, s, "device") != "lo") {
      now.received += s.value;
    } else if (name == "node_boot_time_seconds") {
      boot = s.value;
    } else if (name == "node_time_seconds") {
      clock = s.value;
    } else if (name == "node_uname_info") {
      info["hostname"] = std::string{label_of(b, s, "nodename")};
      info["kernel"] = std::string{label_of(b, s, "sysname")};
      info["kernel_version"] = std::string{label_of(b, s, "release")};
      info["architecture"] = std::string{label_of(b, s, "machine")};
    } else if (name == "node_os_info") {
      info["distro"] = std::string{label_of(b, s, "id")};
      info["distro_version"] = std::string{label_of(b, s, "version_id")};
    }
  }
  if (cpus.empty() && mem_total < 0 && info.empty()) {
    error = "the scrape holds no node_exporter metrics (node_cpu_seconds_total, "
            "node_memory_*, node_uname_info) to make a JSON report of";
    return "";
  }
  nlohmann::json r;
  r["server_id"] = server_id;
  r["timestamp"] = rfc3339_utc(time_ms);
  // Against the previous report when this scrape is newer; else since boot.
  bool follows = last_.time_ms > 0 && time_ms > last_.time_ms;
  if (!cpus.empty()) {
    double all = follows ? now.cpu_all - last_.cpu_all : now.cpu_all;
    double idle = follows ? now.cpu_idle - last_.cpu_idle : now.cpu_idle;
    r["cpu"]["usage_percent"] = all > 0 ? 100.0 * (1.0 - idle / all) : 0.0;
    info["cpu_cores"] = std::to_string(cpus.size());
  }
  if (mem_total > 0 && mem_available >= 0) {
    r["memory"]["total_mb"] = mem_total / 1048576.0;
    r["memory"]["used_mb"] = (mem_total - mem_available) / 1048576.0;
    r["memory"]["usage_percent"] = 100.0 * (mem_total - mem_available) / mem_total;
  }
  r["network"]["upload_bytes"] =
    follows && now.transmitted >= last_.transmitted ? now.transmitted - last_.transmitted : 0.0;
  r["network"]["download_bytes"] =
    follows && now.received >= last_.received ? now.received - last_.received : 0.0;
  if (boot > 0 && clock > boot)
    r["uptime"]["days"] = (clock - boot) / 86400.0;
  if (!info.empty()) {
    if (info.contains("hostname"))
      r["hostname"] = info["hostname"];
    r["system_info"] = info;
  }
  if (time_ms > last_.time_ms)
    last_ = now;
  return r.dump();
}

} // namespace nodepulse::agent
