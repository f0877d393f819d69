// Victim policy of a SwapRegion. User space gets no accessed bit from the
// kernel cheaply (pagemap has none; idle page tracking needs PFNs and root), so
// the reference bit here is what the region itself sees: a write-protect fault
// (the first write since fault-in) sets it. CLOCK: resident pages in fault-in
// order; the hand gives a referenced page a second chance (clears the bit, moves
// it to the back) and takes the first unreferenced one. FIFO ignores the bit.
#pragma once
#include <cstdint>
#include <vector>

namespace frontswap {

enum class VictimPolicy : uint8_t { Clock = 0, Fifo = 1 };

class VictimClock {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  VictimClock(uint32_t pages, VictimPolicy policy) : ring_(pages), ref_(pages), policy_(policy) {}

  uint32_t size() const { return size_; }
  // A page became resident; it is not in the clock.
  void insert(uint32_t page) {
    ref_[page] = 0;
    push(page);
  }
  // A resident page was used (or a rejected victim goes back for another round).
  void touch(uint32_t page) { ref_[page] = 1; }
  void putBack(uint32_t page) {
    ref_[page] = 1;
    push(page);
  }
  // Takes the next victim out of the clock, or kNone when it is empty.
  uint32_t next() {
    while (size_) {
      uint32_t p = ring_[head_];
      head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
      size_--;
      if (policy_ == VictimPolicy::Clock && ref_[p]) {
        ref_[p] = 0;
        push(p);
        continue;
      }
      return p;
    }
    return kNone;
  }

 private:
  void push(uint32_t page) {
    uint32_t tail = head_ + size_;
    if (tail >= ring_.size()) tail -= uint32_t(ring_.size());
    ring_[tail] = page;
    size_++;
  }

  std::vector<uint32_t> ring_;  // each resident page at most once
  std::vector<uint8_t> ref_;
  VictimPolicy policy_;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace frontswap
