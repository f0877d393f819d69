// Cache control for cold measurements: evict exactly the lines a repetition
// will touch (clflushopt where the CPU has it, clflush otherwise), and measure
// where the last-level cache really ends (a pointer-chase latency knee), since
// the size sysfs reports on a virtual CPU need not be the cache the guest gets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace frontswap {

constexpr size_t kCacheLine = 64;

// "clflushopt", "clflush" or "none" (not x86-64: flushLines does nothing).
const char* flushKind();

// Writes back and evicts every cache line of [p, p + len), fenced so the
// evictions are done before anything timed after it; returns the lines flushed.
size_t flushLines(const void* p, size_t len);

struct ChasePoint {
  size_t bytes;
  double nsPerLoad;
};

// Dependent loads over a random cycle through the lines of a buffer of each
// size (THP-backed where possible, so TLB misses do not masquerade as cache
// misses); `loads` loads per size in three rounds, the fastest kept, after one
// untimed lap. Sizes in bytes, each at least one page.
std::vector<ChasePoint> chaseLatency(const std::vector<size_t>& sizes, size_t loads);

}  // namespace frontswap
