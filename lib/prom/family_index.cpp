#include "lib/prom/family_index.hpp"

#include <cstring>
#include <random>

namespace nodepulse::prom {

namespace {

uint64_t random_seed() {
  std::random_device random;
  return (static_cast<uint64_t>(random()) << 32) ^ random();
}

const uint64_t seed = random_seed();

} // namespace

uint64_t family_index::hash(std::string_view s) {
  // Eight bytes per step (names run to 30-60 bytes), then the tail; a
  // multiply-xorshift mix is plenty for a table of a few hundred names.
  constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = (s.size() ^ seed) * k;
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * k;
  return h ^ (h >> 32);
}

uint32_t family_index::find(std::string_view name, uint64_t name_hash) const {
  if (slots_.empty())
    return npos;
  size_t mask = slots_.size() - 1;
  for (size_t i = name_hash & mask;; i = (i + 1) & mask) {
    const slot& s = slots_[i];
    if (s.family == npos)
      return npos;
    if (s.hash == name_hash && s.name == name)
      return s.family;
  }
}

void family_index::insert(std::string_view name, uint64_t name_hash, uint32_t family) {
  if ((used_ + 1) * 2 > slots_.size())
    grow();
  size_t mask = slots_.size() - 1;
  size_t i = name_hash & mask;
  while (slots_[i].family != npos)
    i = (i + 1) & mask;
  slots_[i] = {name, name_hash, family};
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
      insert(s.name, s.hash, s.family);
}

} // namespace nodepulse::prom
