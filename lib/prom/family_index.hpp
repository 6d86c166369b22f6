// Family name -> family index, an open-addressing table that keeps its slots
// across bodies. Only consulted when a sample does not belong to the family
// being read, so the common path never hashes. The hash is seeded at random
// per process, so a body cannot be crafted offline to make names collide
// (linear probing would turn that into quadratic CPU).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace nodepulse::prom {

class family_index {
public:
  static constexpr uint32_t npos = UINT32_MAX;

  static uint64_t hash(std::string_view name);

  uint32_t find(std::string_view name) const { return find(name, hash(name)); }
  uint32_t find(std::string_view name, uint64_t name_hash) const;

  // Adds `name` (with its hash()); the caller has checked it is not present.
  void insert(std::string_view name, uint64_t name_hash, uint32_t family);

  void clear();

  size_t capacity_bytes() const { return slots_.capacity() * sizeof(slot); }

private:
  struct slot {
    std::string_view name;
    uint64_t hash = 0;
    uint32_t family = npos;
  };

  void grow();

  std::vector<slot> slots_; // size is a power of two, or zero
  size_t used_ = 0;
};

} // namespace nodepulse::prom
