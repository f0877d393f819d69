#include "swap_map.h"

namespace frontswap {

void SwapMap::rehash(uint32_t capacity) {
  std::unique_ptr<Entry[]> old = std::move(table_);
  uint32_t oldCap = old ? mask_ + 1 : 0;
  table_.reset(new Entry[capacity]);
  for (uint32_t i = 0; i < capacity; i++) table_[i].slot = kNoSlot;
  mask_ = capacity - 1;
  shift_ = 32 - uint32_t(__builtin_ctz(capacity));
  for (uint32_t i = 0; i < oldCap; i++) {
    if (old[i].slot == kNoSlot) continue;
    uint32_t j = home(old[i].offset);
    while (table_[j].slot != kNoSlot) j = (j + 1) & mask_;
    table_[j] = old[i];
  }
}

void SwapMap::insert(uint32_t offset, uint32_t slot) {
  uint32_t cap = table_ ? mask_ + 1 : 0;
  if (uint64_t(size_ + 1) * 10 > uint64_t(cap) * 7) rehash(cap ? cap * 2 : 16);
  uint32_t i = home(offset);
  while (table_[i].slot != kNoSlot) i = (i + 1) & mask_;
  table_[i] = Entry{offset, slot};
  size_++;
}

uint32_t SwapMap::erase(uint32_t offset) {
  if (!table_) return kNoSlot;
  uint32_t i = home(offset);
  for (;; i = (i + 1) & mask_) {
    if (table_[i].slot == kNoSlot) return kNoSlot;
    if (table_[i].offset == offset) break;
  }
  uint32_t slot = table_[i].slot;
  // Backward shift: pull later entries of the probe run into the hole, unless
  // their home lies cyclically in (hole, j], where they must stay.
  for (uint32_t j = (i + 1) & mask_; table_[j].slot != kNoSlot; j = (j + 1) & mask_) {
    uint32_t k = home(table_[j].offset);
    bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i].slot = kNoSlot;
  size_--;
  return slot;
}

}  // namespace frontswap
