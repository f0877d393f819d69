// SwapRegion over a SwapDevice (a regular file, O_DIRECT): async eviction
// writes each batch of victims through the region's io_uring queue. Contents
// are checked byte for byte against a shadow copy; a write the kernel fails
// (RLIMIT_FSIZE: EFBIG past a size) keeps its page resident with its bytes.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/frontswap_backend.h"
#include "core/uffd_region.h"
#include "region_helpers.h"

using namespace frontswap;
using namespace frontswap::regiontest;

namespace {

constexpr uint32_t kPs = ShadowedRegion::kPs;
#ifdef FRONTSWAP_HAVE_LIBURING
constexpr bool kHaveUring = true;
#else
constexpr bool kHaveUring = false;
#endif

struct DeviceRig : ShadowedRegion {
  std::string path;
  std::shared_ptr<SwapDevice> dev;
  std::unique_ptr<Frontswap> fs;

  DeviceRig(uint32_t slots, uint32_t pages, uint32_t resident, EvictMode mode, uint32_t readahead) {
    const char* dir = getenv("FRONTSWAP_TEST_DIR");
    path = std::string(dir ? dir : "/var/tmp") + "/frontswap-region-dev-" + std::to_string(getpid());
    unlink(path.c_str());
    SwapDevice::Options o;
    o.path = path;
    o.pages = slots;
    o.discard = DiscardMode::None;
    std::string why;
    CHECK(SwapDevice::open(o, &dev, &why) == Code::Ok);
    fs.reset(new Frontswap(dev, false));
    start(fs.get(), 1, regionConfig(pages, resident, mode, readahead));
  }
  ~DeviceRig() {
    region.reset();  // first: the base's region would outlive the front-end and device it attached to
    unlink(path.c_str());
  }
};

}  // namespace

TEST(region_device_async_eviction_goes_through_io_uring_byte_exact) {
  if (!haveUffd()) return;
  const uint32_t pages = 256;
  DeviceRig r(512, pages, 32, EvictMode::Async, 2);
  std::mt19937 rng(11);
  uint8_t chunk[256];
  int mismatches = 0;
  for (int i = 0; i < 6000; i++) {
    uint32_t p = i % 5 == 0 ? uint32_t(i / 5) % pages : rng() % pages;
    if (rng() & 1) {
      for (auto& b : chunk) b = uint8_t(rng());
      r.write(p, rng() % (kPs - sizeof chunk), chunk, sizeof chunk);
    } else if (!r.matches(p)) {
      mismatches++;
    }
  }
  CHECK_EQ(mismatches, 0);
  for (uint32_t p = 0; p < pages; p++) CHECK(r.matches(p));
  RegionStats s = r.region->stats();
  CHECK(s.backendFaults > 500);
  CHECK(s.evictions > 500);
  CHECK_EQ(s.rejectedEvictions, 0u);
  CHECK(s.peakResident <= s.hardCap);
  if (kHaveUring) {
    // Every eviction but the fault thread's direct reclaim (synchronous) went through io_uring, in batches.
    CHECK(s.uringWrites > 0);
    CHECK(s.uringWrites <= s.evictions);
    CHECK(s.uringSubmits < s.uringWrites);
    CHECK(s.uringWrites + s.directReclaims * 8 >= s.evictions);
  } else {
    CHECK_EQ(s.uringWrites, 0u);
    std::fprintf(stderr, "  (no liburing in this build: async eviction wrote with pwrite)\n");
  }
  r.region->close();  // before reading the device's counters, which the region's threads write
  CHECK_EQ(r.dev->stats().writeErrors, 0u);
}

TEST(region_device_failed_async_write_keeps_the_page) {
  if (!haveUffd()) return;
  const uint32_t pages = 48;
  DeviceRig r(64, pages, 8, EvictMode::Async, 0);
  signal(SIGXFSZ, SIG_IGN);
  rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4 * kPs;  // writes to slots 4 and above fail with EFBIG
  setrlimit(RLIMIT_FSIZE, &lim);
  std::vector<uint8_t> page(kPs);
  int mismatches = 0;
  RegionStats s{};
  // Rounds of rewriting every page until the reclaimer's io_uring batches have
  // met failing writes too (the fault thread's direct reclaim, synchronous,
  // may take the first evictions).
  for (int round = 0; round < 20 && (round < 3 || (kHaveUring && s.uringWrites == 0)); round++) {
    for (uint32_t p = 0; p < pages; p++) {
      for (uint32_t i = 0; i < kPs; i++) page[i] = uint8_t(p * 7 + i + round);
      r.write(p, 0, page.data(), kPs);
    }
    for (uint32_t p = 0; p < pages; p++) mismatches += !r.matches(p);
    s = r.region->stats();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  r.region->close();  // the region's threads are done with the device and front-end: their counters are ours to read
  CHECK_EQ(mismatches, 0);
  CHECK(s.rejectedEvictions > 0);      // the failed writes: each page stayed
  CHECK(r.dev->stats().writeErrors > 0);
  if (kHaveUring) CHECK(s.uringWrites > 0);
  // A failed slot drops the key that still maps to it: no key claims bytes it does not have.
  CHECK(r.fs->stats().lostPages > 0 && r.fs->stats().lostPages <= r.dev->stats().writeErrors);
}
