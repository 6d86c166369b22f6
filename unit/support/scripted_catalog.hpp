// The series catalogue as the digest's code sees it, in memory: metrics and
// series get ids in the order they are first asked for, like the identity
// columns of admiral.metrics and admiral.series. Counts the calls, and can
// be told that the retention removed a series or a metric meanwhile. The
// transaction's calls succeed and do nothing; a test that follows them
// overrides them.
#pragma once

#include "lib/digest/series_cache.hpp"
#include "lib/digest/writer_ports.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace nodepulse::test {

struct scripted_catalog : digest::sample_sink {
  std::map<std::string, int32_t> metrics;                    // key text -> id
  std::map<std::string, std::pair<int64_t, int64_t>> series; // key text -> id, last seen
  std::set<int32_t> gone_metrics;
  std::set<int64_t> gone_series;
  int32_t next_metric = 1;
  int64_t next_series = 1;
  size_t metric_calls = 0, series_calls = 0, touch_calls = 0;
  std::vector<int64_t> touched; // ids, in the order touched
  std::string refused_server;   // resolve_series refuses a lot with this server

  bool catalogue_down = false;

  static void down(digest::db_error& error) {
    error.connection_lost = true;
    error.message = "server closed the connection unexpectedly";
  }

  // Forgets a series as the retention would.
  void remove_series(int64_t id) {
    gone_series.insert(id);
    for (auto i = series.begin(); i != series.end(); ++i)
      if (i->second.first == id) {
        series.erase(i);
        return;
      }
  }

  void remove_metric(int32_t id) {
    gone_metrics.insert(id);
    for (auto i = metrics.begin(); i != metrics.end(); ++i)
      if (i->second == id) {
        metrics.erase(i);
        return;
      }
  }

  std::optional<std::vector<int32_t>> resolve_metrics(const std::vector<digest::metric_key>& keys,
                                                      digest::db_error& error) override {
    if (catalogue_down) {
      down(error);
      return std::nullopt;
    }
    ++metric_calls;
    std::vector<int32_t> ids;
    for (const auto& k : keys) {
      auto [it, fresh] = metrics.emplace(digest::series_cache::metric_key_text(k), next_metric);
      next_metric += fresh ? 1 : 0;
      ids.push_back(it->second);
    }
    return ids;
  }

  std::optional<std::vector<int64_t>> resolve_series(const std::vector<digest::series_key>& keys,
                                                     const std::vector<int64_t>& days,
                                                     digest::db_error& error) override {
    if (catalogue_down) {
      down(error);
      return std::nullopt;
    }
    ++series_calls;
    std::vector<int64_t> ids;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!refused_server.empty() && keys[i].server_id == refused_server) {
        error.message = "invalid input syntax for type uuid: \"" + refused_server + "\"";
        return std::nullopt;
      }
      if (gone_metrics.count(keys[i].metric_id)) {
        ids.push_back(0);
        continue;
      }
      auto [it, fresh] = series.emplace(digest::series_cache::series_key_text(keys[i]),
                                        std::make_pair(next_series, days[i]));
      next_series += fresh ? 1 : 0;
      ids.push_back(it->second.first);
    }
    return ids;
  }

  std::optional<std::vector<int64_t>> touch_series(const std::vector<int64_t>& ids,
                                                   const std::vector<int64_t>& days,
                                                   digest::db_error& error) override {
    if (catalogue_down) {
      down(error);
      return std::nullopt;
    }
    ++touch_calls;
    std::vector<int64_t> gone;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (gone_series.count(ids[i])) {
        gone.push_back(ids[i]);
        continue;
      }
      touched.push_back(ids[i]);
      for (auto& [key, s] : series)
        if (s.first == ids[i])
          s.second = std::max(s.second, days[i]);
    }
    return gone;
  }

  bool ensure_hot_partition(int64_t, digest::db_error&) override { return true; }
  bool begin(digest::db_error&) override { return true; }
  std::optional<std::vector<std::string>> known_batches(const std::vector<std::string>&,
                                                        digest::db_error&) override {
    return std::vector<std::string>{};
  }
  bool copy_start(digest::db_error&) override { return true; }
  bool copy_rows(const digest::hot_row*, size_t, digest::db_error&) override { return true; }
  bool copy_end(digest::db_error&) override { return true; }
  bool record_batches(const std::vector<digest::accepted_batch>&, digest::db_error&) override {
    return true;
  }
  bool commit(digest::db_error&) override { return true; }
  void rollback() override {}
  bool apply_retention(int64_t, digest::db_error&) override { return true; }
};

} // namespace nodepulse::test
