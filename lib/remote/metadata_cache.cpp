#include "lib/remote/metadata_cache.hpp"

namespace nodepulse::remote {

std::string metadata_cache::key(std::string_view server_id, std::string_view family) {
  std::string k;
  k.reserve(server_id.size() + 1 + family.size());
  k.append(server_id).push_back('\0');
  k.append(family);
  return k;
}

bool metadata_cache::put(std::string_view server_id, std::string_view family, family_metadata m) {
  auto k = key(server_id, family);
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = entries_.find(k);
  if (it != entries_.end()) {
    it->second = std::move(m);
    return true;
  }
  if (entries_.size() >= max_entries_) {
    ++refused_;
    return false;
  }
  entries_.emplace(std::move(k), std::move(m));
  return true;
}

std::optional<family_metadata> metadata_cache::get(std::string_view server_id,
                                                   std::string_view family) const {
  auto k = key(server_id, family);
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = entries_.find(k);
  if (it == entries_.end())
    return std::nullopt;
  return it->second;
}

size_t metadata_cache::size() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return entries_.size();
}

uint64_t metadata_cache::refused() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return refused_;
}

} // namespace nodepulse::remote
