// What remote-write senders said of their metric families (type, HELP,
// unit): Prometheus sends metadata in requests of its own, every minute,
// apart from the samples, so the ingest keeps it and gives each later
// sample of that family its type. Shared by the parser workers (a mutex),
// keyed by the sender's server id and the family name, bounded: past
// `max_entries` new families are not remembered (counted), their samples
// stay untyped.
#pragma once

#include "lib/prom/metric_type.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nodepulse::remote {

struct family_metadata {
  prom::metric_type type = prom::metric_type::untyped;
  std::string help;
  std::string unit;
};

class metadata_cache {
public:
  explicit metadata_cache(size_t max_entries) : max_entries_(max_entries) {}

  // false when the cache is full and the family is new.
  bool put(std::string_view server_id, std::string_view family, family_metadata m);
  std::optional<family_metadata> get(std::string_view server_id, std::string_view family) const;

  size_t size() const;
  uint64_t refused() const;

private:
  static std::string key(std::string_view server_id, std::string_view family);

  size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, family_metadata> entries_;
  uint64_t refused_ = 0;
};

} // namespace nodepulse::remote
