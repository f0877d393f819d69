// What the region tests share: the application's accesses (uninstrumented for
// ThreadSanitizer, see below) and whether userfaultfd is there at all.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include <cstring>
#include <memory>
#include <vector>

#include "check.h"
#include "core/frontswap_backend.h"
#include "core/uffd.h"
#include "core/uffd_region.h"

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

// A region over `fs` (swap type `type` attached), and the shadow copy of
// what the application wrote to it.
struct ShadowedRegion {
  static constexpr uint32_t kPs = 4096;
  std::unique_ptr<UffdRegion> region;
  std::vector<uint8_t> shadow;

  void start(Frontswap* fs, uint32_t type, const RegionConfig& c) {
    std::unique_ptr<FrontswapBackend> b;
    CHECK(FrontswapBackend::attach(fs, type, &b) == Code::Ok);
    std::string why;
    Code rc = UffdRegion::create(c, std::move(b), &region, &why);
    if (rc != Code::Ok) std::fprintf(stderr, "  region: %s\n", why.c_str());
    CHECK(rc == Code::Ok);
    shadow.assign(c.bytes, 0);
  }
  uint8_t* mem(uint32_t page) { return region->data() + size_t(page) * kPs; }
  void write(uint32_t page, uint32_t at, const uint8_t* src, uint32_t n) {
    appWrite(mem(page) + at, src, n);
    std::memcpy(shadow.data() + size_t(page) * kPs + at, src, n);
  }
  bool matches(uint32_t page) { return appEquals(mem(page), shadow.data() + size_t(page) * kPs, kPs); }
};

inline RegionConfig regionConfig(uint32_t pages, uint32_t resident, EvictMode mode, uint32_t readahead) {
  RegionConfig c;
  c.bytes = uint64_t(pages) * ShadowedRegion::kPs;
  c.resident = resident;
  c.evict = mode;
  c.readahead = readahead;
  c.batch = 8;
  return c;
}

}  // namespace regiontest
}  // namespace frontswap
