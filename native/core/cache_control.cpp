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
    // Sattolo's shuffle: one random cycle through every line, which the
    // prefetchers cannot follow; the links are then written in address order.
    order.resize(lines);
    for (size_t i = 0; i < lines; i++) order[i] = uint32_t(i);
    for (size_t i = lines - 1; i > 0; i--) std::swap(order[i], order[std::uniform_int_distribution<size_t>(0, i - 1)(rng)]);
    for (size_t i = 0; i < lines; i++) *reinterpret_cast<void**>(base + i * kCacheLine) = base + size_t(order[i]) * kCacheLine;
    void** q = reinterpret_cast<void**>(base);
    // Untimed lap: in cache what fits (a buffer much larger than `loads` lines would not fit anyway).
    for (size_t i = 0, n = std::min(lines, 2 * loads); i < n; i++) q = static_cast<void**>(*q);
    // Three timed rounds, the fastest kept: a noisy neighbour only ever adds time.
    const size_t round = std::max<size_t>(1, loads / 3);
    double best = 0;
    for (int r = 0; r < 3; r++) {
      const uint64_t t0 = monoNs();
      for (size_t i = 0; i < round; i++) q = static_cast<void**>(*q);
      const double ns = double(monoNs() - t0) / double(round);
      if (r == 0 || ns < best) best = ns;
    }
    asm volatile("" : : "r"(q) : "memory");  // keep the chain
    out.push_back({s, best});
  }
  ::munmap(m, len);
  return out;
}

}  // namespace frontswap
