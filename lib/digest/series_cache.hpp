// The catalogue ids a digest has seen, so that a sample costs a lookup in
// memory, not a query: metric keys -> metric ids, and (server, metric id,
// labels) -> series id with the day its last_seen was last moved to.
//
// Bounded: each map keeps at most `max_entries`, in two generations of half
// that; a hit in the old one moves the entry to the young one, and when the
// young one is full the old one is dropped. So what a fleet keeps sending
// stays, what stopped ages out, and memory is capped whatever a sender
// invents. Shared by a node's writers (each its own thread), so locked.
#pragma once

#include "lib/digest/writer_ports.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace nodepulse::digest {

template <class Value>
class two_generation_map {
public:
  explicit two_generation_map(size_t max_entries) : half_(std::max<size_t>(1, max_entries / 2)) {}

  // The value of `key`, made young again; nullptr if it is not kept.
  Value* find(const std::string& key) {
    if (auto i = young_.find(key); i != young_.end())
      return &i->second;
    auto o = old_.find(key);
    if (o == old_.end())
      return nullptr;
    auto value = o->second;
    old_.erase(o);
    return &put(key, value);
  }

  Value& put(const std::string& key, Value value) {
    if (young_.size() >= half_ && young_.find(key) == young_.end()) {
      old_ = std::move(young_);
      young_ = {};
    }
    auto& slot = young_[key];
    slot = value;
    return slot;
  }

  void erase(const std::string& key) {
    young_.erase(key);
    old_.erase(key);
  }

  size_t size() const { return young_.size() + old_.size(); }

  void clear() {
    young_.clear();
    old_.clear();
  }

private:
  size_t half_;
  std::unordered_map<std::string, Value> young_;
  std::unordered_map<std::string, Value> old_;
};

struct cached_series {
  int64_t series_id = 0;
  int64_t seen_day = 0; // what last_seen was last set to (days since 1970)
};

class series_cache {
public:
  explicit series_cache(size_t max_series, size_t max_metrics = 100'000)
    : metrics_(max_metrics), series_(max_series) {}

  // Everything below is called with the lock held.
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>{mutex_}; }

  std::optional<int32_t> metric(const std::string& key) {
    auto* v = metrics_.find(key);
    return v ? std::optional<int32_t>{*v} : std::nullopt;
  }
  void add_metric(const std::string& key, int32_t id) { metrics_.put(key, id); }
  void forget_metrics() { metrics_.clear(); }

  cached_series* series(const std::string& key) { return series_.find(key); }
  void add_series(const std::string& key, cached_series s) { series_.put(key, s); }
  void forget_series(const std::string& key) { series_.erase(key); }

  size_t series_count() const { return series_.size(); }
  size_t metric_count() const { return metrics_.size(); }

  // The cache keys: each field with its length in front, so no content can
  // make two keys one.
  static std::string metric_key_text(const metric_key& m);
  static std::string series_key_text(const series_key& s);

private:
  std::mutex mutex_;
  two_generation_map<int32_t> metrics_;
  two_generation_map<cached_series> series_;
};

} // namespace nodepulse::digest
