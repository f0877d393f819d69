// A single-producer single-consumer ring with three indices, io_uring style:
// the producer fills entries and publishes `tail`; the consumer works through
// them and advances `done`; the producer reaps completed entries (visiting each
// once) before their space is reused. Indices are 64-bit and never wrap.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

namespace frontswap {

template <typename T>
class SpscRing {
 public:
  explicit SpscRing(uint32_t capacity) : buf_(new T[capacity]), mask_(capacity - 1) {}

  uint32_t capacity() const { return mask_ + 1; }

  // --- producer ---
  bool full() const { return tail_ - reaped_ > mask_; }
  void put(const T& v) {  // not visible until publish()
    // The consumer last read these lines: ask for them back (for writing) early.
    __builtin_prefetch(&buf_[(tail_ + kPrefetch) & mask_], 1);
    buf_[tail_++ & mask_] = v;
  }
  uint64_t tail() const { return tail_; }
  bool publish() {  // true when something new became visible
    if (published_.load(std::memory_order_relaxed) == tail_) return false;
    published_.store(tail_, std::memory_order_seq_cst);  // seq_cst: pairs with the consumer's sleep check
    return true;
  }
  // Visits entries the consumer has finished, oldest first; returns how many.
  template <typename F>
  uint64_t reap(F&& f) {
    uint64_t d = done_.load(std::memory_order_acquire);
    for (uint64_t i = reaped_; i < d; i++) f(buf_[i & mask_]);
    uint64_t n = d - reaped_;
    reaped_ = d;
    return n;
  }
  // Visits published-or-not entries the consumer never finished (after it stopped).
  template <typename F>
  void abandon(F&& f) {
    for (uint64_t i = reaped_; i < tail_; i++) f(buf_[i & mask_]);
    reaped_ = tail_;
  }
  uint64_t reaped() const { return reaped_; }

  // --- consumer ---
  uint64_t published() const { return published_.load(std::memory_order_acquire); }
  uint64_t publishedSeqCst() const { return published_.load(std::memory_order_seq_cst); }
  const T& at(uint64_t i) const { return buf_[i & mask_]; }
  void complete(uint64_t head) { done_.store(head, std::memory_order_release); }
  uint64_t done() const { return done_.load(std::memory_order_acquire); }

 private:
  std::unique_ptr<T[]> buf_;
  static constexpr uint64_t kPrefetch = 8;
  const uint32_t mask_;
  alignas(64) uint64_t tail_ = 0;  // producer only
  uint64_t reaped_ = 0;            // producer only
  alignas(64) std::atomic<uint64_t> published_{0};
  alignas(64) std::atomic<uint64_t> done_{0};
};

}  // namespace frontswap
