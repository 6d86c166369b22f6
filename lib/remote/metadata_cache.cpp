#include "lib/remote/metadata_cache.hpp"

namespace nodepulse::remote {

void metadata_cache::fill_key(std::string& k, std::string_view server_id, std::string_view family) {
  k.assign(server_id).push_back('\0');
  k.append(family);
}

bool metadata_cache::put(std::string_view server_id, std::string_view family, family_metadata m) {
  std::string k;
  fill_key(k, server_id, family);
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
  std::optional<family_metadata> found;
  with(server_id, family, [&](const family_metadata& m) { found = m; });
  return found;
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
