// O(1) page-slot allocation: a stack of free slot numbers. Most recently freed
// slots are handed out first, while their lines may still be in cache.
#pragma once
#include <cstdint>
#include <vector>

namespace frontswap {

constexpr uint32_t kNoSlot = UINT32_MAX;

class SlotAllocator {
 public:
  explicit SlotAllocator(uint32_t capacity) : free_(capacity), top_(capacity) {
    for (uint32_t i = 0; i < capacity; i++) free_[i] = capacity - 1 - i;  // slot 0 comes out first
  }
  uint32_t alloc() { return top_ ? free_[--top_] : kNoSlot; }
  void release(uint32_t slot) { free_[top_++] = slot; }
  uint32_t freeCount() const { return top_; }
  uint32_t capacity() const { return uint32_t(free_.size()); }

 private:
  std::vector<uint32_t> free_;
  uint32_t top_;
};

}  // namespace frontswap
