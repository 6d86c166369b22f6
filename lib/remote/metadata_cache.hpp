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

  // Calls `use(const family_metadata&)` with what is known of `family`,
  // under the cache's lock (copy what is kept); false when nothing is.
  // Unlike get() it copies no text and, once warm, allocates nothing:
  // the decoder asks once per metric name of every request.
  template <class F>
  bool with(std::string_view server_id, std::string_view family, F&& use) const {
    thread_local std::string k;
    fill_key(k, server_id, family);
    std::lock_guard<std::mutex> lock{mutex_};
    auto it = entries_.find(k);
    if (it == entries_.end())
      return false;
    use(it->second);
    return true;
  }

  size_t size() const;
  uint64_t refused() const;

private:
  static void fill_key(std::string& k, std::string_view server_id, std::string_view family);

  size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, family_metadata> entries_;
  uint64_t refused_ = 0;
};

} // namespace nodepulse::remote
