// One swap type's map from page offset to pool slot: open addressing with linear
// probing and backward-shift deletion (no tombstones), 8 bytes an entry, kept
// between 35% and 70% full, so 11-23 bytes per stored page.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "slot_allocator.h"

namespace frontswap {

class SwapMap {
 public:
  uint32_t size() const { return size_; }
  size_t bytes() const { return size_t(mask_ + (table_ ? 1 : 0)) * sizeof(Entry); }

  // The slot stored for `offset`, or kNoSlot.
  uint32_t find(uint32_t offset) const {
    if (!table_) return kNoSlot;
    for (uint32_t i = home(offset);; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kNoSlot) return kNoSlot;
      if (e.offset == offset) return e.slot;
    }
  }

  // Adds offset -> slot; the offset must be absent.
  void insert(uint32_t offset, uint32_t slot);

  // Removes `offset`; returns its slot, or kNoSlot when it was absent.
  uint32_t erase(uint32_t offset);

  // Calls f(slot) for every entry, then empties the map and frees its table.
  template <typename F>
  void drain(F&& f) {
    if (table_) {
      for (uint32_t i = 0; i <= mask_; i++)
        if (table_[i].slot != kNoSlot) f(table_[i].slot);
    }
    table_.reset();
    mask_ = 0;
    shift_ = 0;
    size_ = 0;
  }

  void prefetch(uint32_t offset) const {
    if (table_) __builtin_prefetch(&table_[home(offset)]);
  }

 private:
  struct Entry {
    uint32_t offset;
    uint32_t slot;  // kNoSlot marks an empty entry
  };

  // Fibonacci hashing: sequential swap offsets spread over the table.
  uint32_t home(uint32_t offset) const { return uint32_t((offset * 2654435769u) >> shift_) & mask_; }
  void rehash(uint32_t capacity);

  std::unique_ptr<Entry[]> table_;
  uint32_t mask_ = 0;
  uint32_t shift_ = 0;
  uint32_t size_ = 0;
};

}  // namespace frontswap
