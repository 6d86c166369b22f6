#include "lib/prom/string_arena.hpp"

#include <algorithm>
#include <cstring>

namespace nodepulse::prom {

char* string_arena::allocate(size_t n) {
  while (block_ < blocks_.size()) {
    auto& b = blocks_[block_];
    if (b.size - used_ >= n) {
      char* p = b.data.get() + used_;
      used_ += n;
      return p;
    }
    ++block_;
    used_ = 0;
  }
  // Oversized strings get a block of their own size so nothing is wasted.
  size_t size = std::max(block_size, n);
  blocks_.push_back({std::make_unique<char[]>(size), size});
  block_ = blocks_.size() - 1;
  used_ = n;
  return blocks_.back().data.get();
}

std::string_view string_arena::copy(std::string_view s) {
  char* p = allocate(s.size());
  if (!s.empty())
    std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

} // namespace nodepulse::prom
