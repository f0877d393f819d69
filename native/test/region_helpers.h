// What the region tests share: the application's accesses (uninstrumented for
// ThreadSanitizer, see below) and whether userfaultfd is there at all.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/uffd.h"

namespace frontswap {
namespace regiontest {

// The application's accesses. A fault is the kernel's business: ThreadSanitizer
// cannot see that a faulting access waits for the fault thread, so these stay
// uninstrumented; the region's own threads and locks are instrumented as usual.
inline __attribute__((no_sanitize("thread"), noinline)) void appWrite(uint8_t* dst, const uint8_t* src, size_t n) {
  volatile uint8_t* d = dst;
  for (size_t i = 0; i < n; i++) d[i] = src[i];
}
inline __attribute__((no_sanitize("thread"), noinline)) bool appEquals(const uint8_t* a, const uint8_t* b, size_t n) {
  const volatile uint8_t* x = a;
  bool eq = true;
  for (size_t i = 0; i < n; i++) eq &= x[i] == b[i];
  return eq;
}

inline bool haveUffd() {
  std::string why;
  int fd = uffd::open(&why);
  if (fd < 0) {
    std::fprintf(stderr, "  skipped: userfaultfd unavailable: %s\n", why.c_str());
    return false;
  }
  close(fd);
  return true;
}

}  // namespace regiontest
}  // namespace frontswap
