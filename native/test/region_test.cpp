// SwapRegion core: real userfaultfd faults served from a Frontswap over a real
// pool, checked byte for byte against a shadow copy. Needs userfaultfd (root
// here); without it each case says so and passes nothing off as tested.
#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "check.h"
#include "region_helpers.h"
#include "core/frontswap_backend.h"
#include "core/latency_histogram.h"
#include "core/uffd.h"
#include "core/uffd_region.h"
#include "core/victim_clock.h"
#include <unistd.h>

using namespace frontswap;
using namespace frontswap::regiontest;

namespace {

constexpr uint32_t kPs = 4096;

struct Rig : ShadowedRegion {
  std::shared_ptr<PagePool> pool;
  std::unique_ptr<Frontswap> fs;

  Rig(uint32_t poolPages, uint32_t pages, uint32_t resident, EvictMode mode, uint32_t readahead = 0,
      bool exclusive = false, VictimPolicy policy = VictimPolicy::Clock) {
    PagePool::Options o;
    o.pages = poolPages;
    o.backing = BackingRequest::Normal;
    std::string why;
    CHECK(PagePool::create(o, &pool, &why) == Code::Ok);
    fs.reset(new Frontswap(pool, exclusive));
    RegionConfig c = regionConfig(pages, resident, mode, readahead);
    c.policy = policy;
    start(fs.get(), 3, c);
  }
  ~Rig() { region.reset(); }  // first: the base's region would outlive the front-end and pool it attached to
  bool allMatch() {
    bool ok = true;
    for (uint32_t p = 0; p < region->pages(); p++) ok &= matches(p);
    return ok;
  }
};

// Random writes and whole-page reads over a region 8x its resident budget.
void randomAgainstShadow(EvictMode mode, uint32_t readahead, bool exclusive, VictimPolicy policy, unsigned seed) {
  if (!haveUffd()) return;
  const uint32_t pages = 256, resident = 32;
  Rig r(512, pages, resident, mode, readahead, exclusive, policy);
  if (!r.region) return;
  std::mt19937 rng(seed);
  uint8_t chunk[256];
  int mismatches = 0;
  for (int i = 0; i < 6000; i++) {
    uint32_t p = rng() % pages;
    if (i % 5 == 0) p = (i / 5) % pages;  // sequential stretches give readahead something to do
    if (rng() & 1) {
      for (auto& b : chunk) b = uint8_t(rng());
      uint32_t at = rng() % (kPs - sizeof chunk);
      r.write(p, at, chunk, sizeof chunk);
    } else if (!r.matches(p)) {
      mismatches++;
    }
  }
  CHECK_EQ(mismatches, 0);
  CHECK(r.allMatch());
  RegionStats s = r.region->stats();
  CHECK(s.faults > 1000);
  CHECK(s.backendFaults > 500);
  CHECK(s.evictions > 500);
  CHECK(s.peakResident <= s.hardCap);
  CHECK_EQ(s.rejectedEvictions, 0u);
  CHECK(s.latencyCount == s.faults);
  CHECK(s.p50 > 0 && s.p50 <= s.p99 && s.p99 <= s.maxNs);
  if (readahead) CHECK(s.readaheadPages > 0);
  if (mode == EvictMode::Async) CHECK(s.engineCpuNs > 0);
  r.region->close();
  // The claim is gone and the type closed: the front-end is the JS thread's again.
  bool stored;
  std::vector<uint8_t> page(kPs, 1);
  CHECK(r.fs->init(3) == Code::Ok);
  CHECK(r.fs->store(3, 0, page.data(), &stored) == Code::Ok && stored);
}

}  // namespace

TEST(region_sync_eviction_is_byte_exact) { randomAgainstShadow(EvictMode::Sync, 0, false, VictimPolicy::Clock, 1); }
TEST(region_async_eviction_is_byte_exact) { randomAgainstShadow(EvictMode::Async, 0, false, VictimPolicy::Clock, 2); }
TEST(region_async_readahead_is_byte_exact) { randomAgainstShadow(EvictMode::Async, 4, false, VictimPolicy::Clock, 3); }
TEST(region_fifo_exclusive_gets_is_byte_exact) { randomAgainstShadow(EvictMode::Sync, 2, true, VictimPolicy::Fifo, 4); }

TEST(region_never_stored_pages_fault_in_as_zeros_and_drop_without_a_store) {
  if (!haveUffd()) return;
  Rig r(64, 128, 16, EvictMode::Sync);
  if (!r.region) return;
  CHECK(r.allMatch());  // all zeros
  CHECK(r.allMatch());
  RegionStats s = r.region->stats();
  CHECK_EQ(s.zeroFaults, 256u);
  CHECK_EQ(s.backendFaults, 0u);
  CHECK_EQ(s.evictions, 0u);
  CHECK(s.zeroDrops >= 200u);
  r.region->close();
  CHECK_EQ(r.pool->usedPages(), 0u);  // nothing was ever stored
}

TEST(region_clean_pages_are_not_stored_twice) {
  if (!haveUffd()) return;
  const uint32_t pages = 128;
  Rig r(256, pages, 16, EvictMode::Sync);
  if (!r.region) return;
  std::vector<uint8_t> fill(kPs);
  for (uint32_t p = 0; p < pages; p++) {
    std::memset(fill.data(), int(p * 7 + 1), kPs);
    r.write(p, 0, fill.data(), kPs);
  }
  for (int pass = 0; pass < 4; pass++) CHECK(r.allMatch());  // read only: every eviction now is of a clean page
  RegionStats s = r.region->stats();
  CHECK(s.faults >= 4 * (pages - 16));
  CHECK(s.evictions <= pages);  // each written page stored once at most
  CHECK(s.cleanDrops >= 3 * (pages - 32));
  CHECK_EQ(s.writeFaults, 0u);  // whole-page writes to zero-filled pages: the first write is the fault-in's
}

TEST(region_rejected_evictions_keep_the_page) {
  if (!haveUffd()) return;
  const uint32_t pages = 96;
  Rig r(8, pages, 16, EvictMode::Async);  // the pool holds 8 pages: most stores are refused
  if (!r.region) return;
  std::vector<uint8_t> fill(kPs);
  for (uint32_t p = 0; p < pages; p++) {
    for (uint32_t i = 0; i < kPs; i++) fill[i] = uint8_t(p ^ i);
    r.write(p, 0, fill.data(), kPs);
  }
  CHECK(r.allMatch());
  RegionStats s = r.region->stats();
  CHECK(s.rejectedEvictions > 0);
  CHECK(s.evictions <= 8 + s.writeFaults);
  CHECK(s.residentPages >= pages - 8);
}

TEST(region_close_with_a_fault_in_flight_returns) {
  if (!haveUffd()) return;
  Rig r(64, 64, 8, EvictMode::Sync);
  if (!r.region) return;
  std::shared_ptr<RegionMemory> mem = r.region->memory();  // stays mapped after close
  std::atomic<bool> started{false};
  std::thread app([&] {
    uint8_t one = 1;
    for (int round = 0; round < 200; round++)
      for (uint32_t p = 0; p < 64; p++) {
        appWrite(mem->data() + size_t(p) * kPs + round, &one, 1);
        started.store(true);
      }
  });
  while (!started.load()) std::this_thread::yield();
  r.region->close();
  app.join();  // never hangs: pending faults were served, later ones are ordinary
  CHECK(r.region->closed());
}

TEST(region_claims_the_pool) {
  if (!haveUffd()) return;
  Rig r(16, 16, 4, EvictMode::Sync);
  if (!r.region) return;
  bool ok;
  std::vector<uint8_t> page(kPs);
  CHECK(r.fs->store(3, 0, page.data(), &ok) == Code::RegionAttached);
  CHECK(r.fs->init(4) == Code::RegionAttached);
  Frontswap other(r.pool, false);
  CHECK(other.init(0) == Code::RegionAttached);
  std::unique_ptr<FrontswapBackend> b;
  CHECK(FrontswapBackend::attach(&other, 1, &b) == Code::RegionAttached);
  r.region->close();
  CHECK(other.init(0) == Code::Ok);
}

TEST(victim_clock_gives_written_pages_a_second_chance) {
  VictimClock c(8, VictimPolicy::Clock);
  for (uint32_t p = 0; p < 4; p++) c.insert(p);
  c.touch(0);
  c.touch(2);
  CHECK_EQ(c.next(), 1u);
  CHECK_EQ(c.next(), 3u);
  CHECK_EQ(c.next(), 0u);  // second chance used up
  CHECK_EQ(c.next(), 2u);
  CHECK_EQ(c.next(), VictimClock::kNone);
  VictimClock f(4, VictimPolicy::Fifo);
  for (uint32_t p = 0; p < 4; p++) f.insert(p);
  f.touch(0);
  CHECK_EQ(f.next(), 0u);
}

TEST(latency_histogram_quantiles_are_within_a_bucket) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 10000; v++) h.record(v * 100);  // 100 ns .. 1 ms
  uint64_t p50 = h.quantile(0.5), p99 = h.quantile(0.99);
  CHECK(p50 >= 500000 && p50 <= 500000 * 107 / 100);
  CHECK(p99 >= 990000 && p99 <= 1000000);
  CHECK_EQ(h.max(), 1000000u);
  for (uint32_t b = 1; b < 200; b++) CHECK(LatencyHistogram::upper(b) >= LatencyHistogram::upper(b - 1));
  for (uint64_t v : {1ull, 15ull, 16ull, 17ull, 1000ull, 123456789ull}) CHECK(LatencyHistogram::upper(LatencyHistogram::bucket(v)) >= v);
}
