// Fault latencies in nanoseconds: log-linear buckets (16 per power of two, so a
// percentile is within ~6%), recorded by one thread, read under the region's lock.
#pragma once
#include <cstdint>
#include <cstring>

namespace frontswap {

class LatencyHistogram {
 public:
  static constexpr uint32_t kSub = 16;
  static constexpr uint32_t kBuckets = 64 * kSub;

  void record(uint64_t ns) {
    counts_[bucket(ns)]++;
    count_++;
    if (ns > max_) max_ = ns;
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  void reset() { *this = LatencyHistogram(); }

  // The q-quantile (0..1): the upper edge of the bucket holding it, capped at max.
  uint64_t quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = uint64_t(q * double(count_ - 1)) + 1, seen = 0;
    for (uint32_t b = 0; b < kBuckets; b++) {
      seen += counts_[b];
      if (seen >= rank) {
        uint64_t hi = upper(b);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

  static uint32_t bucket(uint64_t v) {
    if (v < kSub) return uint32_t(v);
    uint32_t msb = 63 - uint32_t(__builtin_clzll(v));  // >= 4
    uint32_t sub = uint32_t(v >> (msb - 4)) & (kSub - 1);
    return (msb - 3) * kSub + sub;
  }
  static uint64_t upper(uint32_t b) {
    if (b < kSub) return b;
    uint32_t msb = b / kSub + 3, sub = b % kSub;
    return ((uint64_t(kSub + sub) + 1) << (msb - 4)) - 1;
  }

 private:
  uint64_t counts_[kBuckets] = {};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace frontswap
