#include "lib/digest/series_resolver.hpp"

#include "lib/digest/series_keys.hpp"

#include <unordered_map>

namespace nodepulse::digest {

namespace {

constexpr int64_t day_ms = 86'400'000;

int64_t day_of(int64_t ms) {
  return ms >= 0 ? ms / day_ms : -((-ms + day_ms - 1) / day_ms);
}

// Keys the cache missed, each once, with the newest day a sample had.
struct missing_series {
  std::unordered_map<std::string, size_t> index; // key text -> position
  std::vector<series_key> keys;
  std::vector<std::string> texts;
  std::vector<int64_t> days;

  void add(const std::string& text, series_key key, int64_t day) {
    auto [it, fresh] = index.emplace(text, keys.size());
    if (!fresh) {
      days[it->second] = std::max(days[it->second], day);
      return;
    }
    keys.push_back(std::move(key));
    texts.push_back(text);
    days.push_back(day);
  }
};

// The metric id of every kept sample (-1: too old), resolving what the
// cache misses.
bool resolve_metrics(const std::vector<batch_ref>& lot, int64_t keep_from_ms, series_cache& cache,
                     sample_sink& sink, std::vector<std::vector<int32_t>>& metric_ids,
                     db_error& error) {
  std::unordered_map<std::string, size_t> missing_index;
  std::vector<metric_key> missing;
  std::vector<std::string> missing_texts;
  // Per sample: the id, or -2 - (position among the missing).
  metric_ids.assign(lot.size(), {});
  {
    auto held = cache.lock();
    for (size_t b = 0; b < lot.size(); ++b) {
      const auto& batch = *lot[b].batch;
      auto& ids = metric_ids[b];
      ids.resize(batch.samples.size(), -1);
      const prom::sample* previous = nullptr; // a family's samples come together
      for (size_t i = 0; i < batch.samples.size(); ++i) {
        const auto& s = batch.samples[i];
        if (s.timestamp_ms < keep_from_ms)
          continue;
        if (previous && previous->family == s.family && previous->name == s.name) {
          ids[i] = ids[static_cast<size_t>(previous - batch.samples.data())];
          previous = &s;
          continue;
        }
        previous = &s;
        auto key = metric_of(batch, s);
        auto text = series_cache::metric_key_text(key);
        if (auto id = cache.metric(text)) {
          ids[i] = *id;
          continue;
        }
        auto [it, fresh] = missing_index.emplace(text, missing.size());
        if (fresh) {
          missing.push_back(std::move(key));
          missing_texts.push_back(std::move(text));
        }
        ids[i] = -2 - static_cast<int32_t>(it->second);
      }
    }
  }
  if (missing.empty())
    return true;
  auto found = sink.resolve_metrics(missing, error);
  if (!found)
    return false;
  {
    auto held = cache.lock();
    for (size_t m = 0; m < missing.size(); ++m)
      cache.add_metric(missing_texts[m], (*found)[m]);
  }
  for (auto& ids : metric_ids)
    for (auto& id : ids)
      if (id <= -2)
        id = (*found)[static_cast<size_t>(-2 - id)];
  return true;
}

// One pass; `stale` is set when cached ids turned out to be gone (the
// retention removed those series, or a metric): they are forgotten, and
// the caller passes again.
bool resolve_pass(const std::vector<batch_ref>& lot,
                  const std::vector<std::vector<int32_t>>& metric_ids, series_cache& cache,
                  sample_sink& sink, resolved_lot& out, bool& stale, db_error& error) {
  out.ids.assign(lot.size(), {});
  out.too_old = 0;
  // Per sample whose series the cache missed: where it is, its key text.
  std::vector<std::pair<std::pair<size_t, size_t>, std::string>> pending;
  missing_series missing;
  std::unordered_map<int64_t, std::pair<std::string, int64_t>> touch; // id -> key, newest day
  std::string json;
  {
    auto held = cache.lock();
    for (size_t b = 0; b < lot.size(); ++b) {
      const auto& batch = *lot[b].batch;
      auto& ids = out.ids[b];
      ids.assign(batch.samples.size(), 0);
      for (size_t i = 0; i < batch.samples.size(); ++i) {
        if (metric_ids[b][i] < 0) {
          ++out.too_old;
          continue;
        }
        const auto& s = batch.samples[i];
        json.clear();
        append_labels_json(batch, s, json);
        series_key key{std::string{lot[b].server_id}, metric_ids[b][i], json};
        auto text = series_cache::series_key_text(key);
        auto day = day_of(s.timestamp_ms);
        if (auto* hit = cache.series(text)) {
          ids[i] = hit->series_id;
          if (hit->seen_day < day) {
            auto& t = touch[hit->series_id];
            t.first = text;
            t.second = std::max(t.second, day);
          }
          continue;
        }
        missing.add(text, std::move(key), day);
        pending.push_back({{b, i}, std::move(text)});
      }
    }
  }
  if (!touch.empty()) {
    std::vector<int64_t> touch_ids, touch_days;
    for (const auto& [id, t] : touch) {
      touch_ids.push_back(id);
      touch_days.push_back(t.second);
    }
    auto gone = sink.touch_series(touch_ids, touch_days, error);
    if (!gone)
      return false;
    auto held = cache.lock();
    for (const auto& [id, t] : touch)
      if (auto* hit = cache.series(t.first))
        hit->seen_day = std::max(hit->seen_day, t.second);
    out.touched += touch.size() - gone->size();
    for (auto id : *gone)
      cache.forget_series(touch[id].first);
    if (!gone->empty()) {
      stale = true;
      return true;
    }
  }
  if (missing.keys.empty())
    return true;
  out.looked_up += missing.keys.size();
  auto found = sink.resolve_series(missing.keys, missing.days, error);
  if (!found)
    return false;
  {
    auto held = cache.lock();
    for (size_t m = 0; m < missing.keys.size(); ++m)
      if ((*found)[m] != 0)
        cache.add_series(missing.texts[m], {(*found)[m], missing.days[m]});
      else
        stale = true; // its metric is gone: the metric ids kept are not to be trusted
    if (stale) {
      cache.forget_metrics();
      return true;
    }
  }
  for (const auto& [at, text] : pending)
    out.ids[at.first][at.second] = (*found)[missing.index.at(text)];
  return true;
}

} // namespace

bool resolve_series_ids(const std::vector<batch_ref>& lot, int64_t keep_from_ms,
                        series_cache& cache, sample_sink& sink, resolved_lot& out,
                        db_error& error) {
  std::vector<std::vector<int32_t>> metric_ids;
  for (int pass = 0; pass < 3; ++pass) {
    if (!resolve_metrics(lot, keep_from_ms, cache, sink, metric_ids, error))
      return false;
    bool stale = false;
    if (!resolve_pass(lot, metric_ids, cache, sink, out, stale, error))
      return false;
    if (!stale)
      return true;
  }
  error.message = "the catalogue keeps removing series or metrics this lot needs";
  return false;
}

} // namespace nodepulse::digest
