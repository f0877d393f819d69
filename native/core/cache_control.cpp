#include "cache_control.h"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <random>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace frontswap {
namespace {

uint64_t monoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

#if defined(__x86_64__)
__attribute__((target("clflushopt"))) void flushOpt(const uint8_t* a, const uint8_t* end) {
  for (; a < end; a += kCacheLine) _mm_clflushopt(const_cast<uint8_t*>(a));
  _mm_sfence();  // clflushopt is ordered by sfence, not by the loads that follow
}
void flushPlain(const uint8_t* a, const uint8_t* end) {
  for (; a < end; a += kCacheLine) _mm_clflush(a);
  _mm_mfence();
}
const bool kHasClflushopt = __builtin_cpu_supports("clflushopt");
#endif

}  // namespace

const char* flushKind() {
#if defined(__x86_64__)
  return kHasClflushopt ? "clflushopt" : "clflush";
#else
  return "none";
#endif
}

size_t flushLines(const void* p, size_t len) {
  if (len == 0) return 0;
  const uintptr_t first = reinterpret_cast<uintptr_t>(p) & ~uintptr_t(kCacheLine - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + len;
  const size_t lines = (end - first + kCacheLine - 1) / kCacheLine;
#if defined(__x86_64__)
  const uint8_t* a = reinterpret_cast<const uint8_t*>(first);
  const uint8_t* e = a + lines * kCacheLine;
  if (kHasClflushopt) flushOpt(a, e);
  else flushPlain(a, e);
#endif
  return lines;
}

std::vector<ChasePoint> chaseLatency(const std::vector<size_t>& sizes, size_t loads) {
  std::vector<ChasePoint> out;
  size_t most = 0;
  for (size_t s : sizes) most = std::max(most, s);
  if (most < kCacheLine) return out;
  const size_t len = (most + (2u << 20) - 1) & ~size_t((2u << 20) - 1);
  void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return out;
  ::madvise(m, len, MADV_HUGEPAGE);
  auto* base = static_cast<uint8_t*>(m);
  std::mt19937_64 rng(0x5eed);
  std::vector<uint32_t> order;
  for (size_t s : sizes) {
    const size_t lines = s / kCacheLine;
    if (lines < 2) continue;
    order.resize(lines);
    for (size_t i = 0; i < lines; i++) order[i] = uint32_t(i);
    std::shuffle(order.begin() + 1, order.end(), rng);
    // One cycle through every line, in random order: the prefetchers cannot follow it.
    for (size_t i = 0; i < lines; i++) {
      void** at = reinterpret_cast<void**>(base + size_t(order[i]) * kCacheLine);
      *at = base + size_t(order[(i + 1) % lines]) * kCacheLine;
    }
    void** q = reinterpret_cast<void**>(base);
    for (size_t i = 0; i < lines; i++) q = static_cast<void**>(*q);  // untimed lap: in cache what fits
    const uint64_t t0 = monoNs();
    for (size_t i = 0; i < loads; i++) q = static_cast<void**>(*q);
    const uint64_t t1 = monoNs();
    asm volatile("" : : "r"(q) : "memory");  // keep the chain
    out.push_back({s, double(t1 - t0) / double(loads)});
  }
  ::munmap(m, len);
  return out;
}

}  // namespace frontswap
