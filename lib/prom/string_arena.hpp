// Bump allocator for the few strings the parser must rewrite (escaped label
// values and help texts). Blocks never move, so views into them stay valid
// until clear(); clear() keeps the blocks for the next body.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace nodepulse::prom {

class string_arena {
public:
  // Returns `n` writable bytes that stay put until clear().
  char* allocate(size_t n);

  std::string_view copy(std::string_view s);

  void clear() {
    block_ = 0;
    used_ = 0;
  }

  // Bytes held in blocks.
  size_t capacity() const {
    size_t sum = 0;
    for (const auto& b : blocks_)
      sum += b.size;
    return sum;
  }

private:
  static constexpr size_t block_size = 64 * 1024;

  struct block {
    std::unique_ptr<char[]> data;
    size_t size;
  };

  std::vector<block> blocks_;
  size_t block_ = 0; // index of the block being filled
  size_t used_ = 0;  // bytes used in blocks_[block_]
};

} // namespace nodepulse::prom
