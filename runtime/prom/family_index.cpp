#include "runtime/prom/family_index.hpp"

namespace nodepulse::prom {

uint64_t family_index::hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull; // FNV-1a
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

uint32_t family_index::find(std::string_view name) const {
  if (slots_.empty())
    return npos;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash(name) & mask;; i = (i + 1) & mask) {
    const slot& s = slots_[i];
    if (s.family == npos)
      return npos;
    if (s.name == name)
      return s.family;
  }
}

void family_index::insert(std::string_view name, uint32_t family) {
  if ((used_ + 1) * 2 > slots_.size())
    grow();
  size_t mask = slots_.size() - 1;
  size_t i = hash(name) & mask;
  while (slots_[i].family != npos)
    i = (i + 1) & mask;
  slots_[i] = {name, family};
  ++used_;
}

void family_index::clear() {
  if (used_ == 0)
    return;
  for (auto& s : slots_)
    s.family = npos;
  used_ = 0;
}

void family_index::grow() {
  std::vector<slot> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 256 : old.size() * 2, slot{});
  used_ = 0;
  for (const auto& s : old)
    if (s.family != npos)
      insert(s.name, s.family);
}

} // namespace nodepulse::prom
