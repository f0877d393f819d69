// A SwapRegion's core: anonymous memory of which at most `resident` pages are in
// RAM; the rest live in a RegionBackend (a Frontswap over a page pool, ...).
//
// Threads and the one lock:
// - the fault thread reads userfaultfd messages and serves them: a missing page
//   comes from the backend straight into place (UFFDIO_COPY from the pool slot,
//   no extra copy), or as zeros when it was never stored; a write to a clean
//   page (write-protect fault) makes it dirty;
// - the reclaimer evicts between watermarks: above `high` it takes victims
//   (VictimClock) until `low`; clean pages the backend still holds are dropped
//   without a store; dirty ones are write-protected, stored, then dropped;
// - above `hardCap` the fault thread reclaims one batch itself (synchronously)
//   before serving, so memory is bounded even when the reclaimer lags.
// Page states, the clock, the backend and the counters are guarded by mu_; the
// bytes of evicted pages move outside it (the page is write-protected, so the
// application cannot change it meanwhile; a write waits in its fault until the
// page is gone, then faults it back in). Nothing here ever waits for the JS
// thread, which may itself be stopped in a fault on this memory.
//
// Async eviction has a CopyEngine of its own: the reclaimer is the only
// producer of its rings (the engine's single-producer rule holds), and its
// copies are accounted to a one-page pool of the region's, never to a pool JS
// can reach. Over a SwapDevice it has an io_uring queue of its own instead
// (region_uring.h): a batch of victims is one submission of writes, and a
// victim stays mapped (write-protected) until its write completes; a failed
// write keeps the page resident and dirty. Without liburing in the build, async
// eviction to a device writes synchronously on the reclaimer (uringWrites 0).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "latency_histogram.h"
#include "region_backend.h"
#include "status.h"
#include "victim_clock.h"

namespace frontswap {

class CopyEngine;
class PagePool;
class RegionUring;

enum class EvictMode : uint8_t { Sync = 0, Async = 1 };

struct RegionConfig {
  uint64_t bytes = 0;         // rounded up to whole pages
  uint32_t resident = 0;      // pages in RAM at most before reclaim starts (high watermark)
  uint32_t lowPercent = 3;    // reclaim stops this far below `resident`
  EvictMode evict = EvictMode::Sync;
  uint32_t readahead = 0;     // stored pages after a faulting one, fetched with it
  VictimPolicy policy = VictimPolicy::Clock;
  uint32_t batch = 32;        // victims per reclaim pass
};

struct RegionStats {
  uint64_t faults = 0;             // missing-page faults served
  uint64_t backendFaults = 0;      // ... from the backend
  uint64_t zeroFaults = 0;         // ... with zeros (never stored)
  uint64_t writeFaults = 0;        // first writes to clean pages
  uint64_t evictions = 0;          // dirty pages stored and dropped
  uint64_t cleanDrops = 0;         // clean pages dropped, the backend still holding them
  uint64_t zeroDrops = 0;          // never-written zero pages dropped (nothing to store)
  uint64_t rejectedEvictions = 0;  // stores the backend refused: the page stayed resident
  uint64_t readaheadPages = 0;
  uint64_t directReclaims = 0;     // passes the fault thread ran itself at the hard cap
  uint64_t uringSubmits = 0;       // io_uring submissions of evictions (device, async)
  uint64_t uringWrites = 0;        // ... and the page writes they carried
  uint64_t reclaimPasses = 0;
  uint32_t residentPages = 0;
  uint32_t peakResident = 0;
  uint32_t pages = 0;
  uint32_t high = 0, low = 0, hardCap = 0;
  uint64_t latencyCount = 0, p50 = 0, p99 = 0, p999 = 0, maxNs = 0;  // fault read -> page in place
  uint64_t faultThreadCpuNs = 0, reclaimCpuNs = 0, engineCpuNs = 0;
};

// The region's memory, held by the region and by whatever exposes it (the JS
// ArrayBuffer): unmapped when the last holder lets go.
class RegionMemory {
 public:
  RegionMemory(uint8_t* base, size_t bytes) : base_(base), bytes_(bytes) {}
  ~RegionMemory();
  uint8_t* data() const { return base_; }
  size_t bytes() const { return bytes_; }

 private:
  uint8_t* base_;
  size_t bytes_;
};

class UffdRegion {
 public:
  static constexpr uint32_t kPage = 4096;

  // Maps the memory, opens and registers userfaultfd, starts the threads.
  static Code create(const RegionConfig& config, std::unique_ptr<RegionBackend> backend,
                     std::unique_ptr<UffdRegion>* out, std::string* why);
  ~UffdRegion();  // close()
  UffdRegion(const UffdRegion&) = delete;
  UffdRegion& operator=(const UffdRegion&) = delete;

  uint8_t* data() const { return mem_->data(); }
  size_t bytes() const { return mem_->bytes(); }
  uint32_t pages() const { return pages_; }
  const std::shared_ptr<RegionMemory>& memory() const { return mem_; }
  bool closed() const { return closed_; }

  // Serves the faults already raised, stops and joins the threads, unregisters
  // the range (any later fault is an ordinary one) and releases the backend.
  // The memory stays mapped while memory() has holders. Idempotent.
  void close();
  RegionStats stats();
  void resetLatency();
  // The CPU the fault thread last served a missing page on (-1 before the
  // first): with the faulting thread's own CPU, it tells a fault whose two
  // wake-ups crossed CPUs (an IPI each, costly in a VM) from one that stayed.
  int lastServeCpu() const { return serveCpu_.load(std::memory_order_relaxed); }

 private:
  enum State : uint8_t { Absent = 0, Clean, ZeroClean, Dirty, Evicting };
  struct Victim {
    uint32_t page;
    uint8_t* dst;   // where the bytes go (a pool slot, a staging page), or null for an io_uring write
    uint32_t slot;  // the device slot of an io_uring write
  };

  UffdRegion(const RegionConfig& config, std::unique_ptr<RegionBackend> backend, std::shared_ptr<RegionMemory> mem);
  Code start(std::string* why);

  // fault thread
  void faultLoop();
  void serveMissing(uint32_t page, uint64_t t0, bool write);
  void serveWriteProtect(uint32_t page);
  void readAhead(uint32_t page);
  // Maps `page` (zeros when src is null); false when the kernel refused.
  bool placeLocked(uint32_t page, const uint8_t* src, bool kept, bool write, bool wake);

  // reclaim (reclaimer thread, or the fault thread at the hard cap)
  void reclaimLoop();
  // One pass: up to batch victims; returns the pages it freed.
  uint32_t evictBatch(bool useEngine, std::unique_lock<std::mutex>& lk);
  void moveBytes(const std::vector<Victim>& victims, bool useEngine);
  // Writes the victims through uring_ (queued already, under the lock): called
  // unlocked, returns locked once every write has completed.
  void writeThroughUring(std::unique_lock<std::mutex>& lk);

  uint8_t* addr(uint32_t page) const { return mem_->data() + size_t(page) * kPage; }
  void dropLocked(uint32_t page);
  // Before the fault thread touches the backend: waits out a batch of io_uring writes.
  void waitForUringLocked(std::unique_lock<std::mutex>& lk) {
    evicted_.wait(lk, [&] { return !uringInFlight_; });
  }

  RegionConfig config_;
  std::unique_ptr<RegionBackend> backend_;
  std::shared_ptr<RegionMemory> mem_;
  uint32_t pages_;
  uint32_t high_, low_, hardCap_;
  int uffd_ = -1;
  int stopFd_ = -1;
  bool registered_ = false;
  bool closed_ = false;

  std::mutex mu_;
  std::condition_variable evicted_;  // an Evicting page left that state
  std::condition_variable kick_;     // resident rose above high, or stop
  std::vector<uint8_t> state_;
  std::vector<uint8_t> stored_;      // the backend holds a copy of the page
  VictimClock clock_;
  uint32_t resident_ = 0;
  uint32_t evicting_ = 0;
  bool uringInFlight_ = false;  // a batch of io_uring writes is out: the fault thread keeps off the device
  bool stop_ = false;
  uint64_t kicks_ = 0;
  RegionStats st_;
  LatencyHistogram lat_;
  std::unique_ptr<uint8_t[]> zeroPage_;

  std::unique_ptr<CopyEngine> engine_;
  std::vector<uint32_t> engineWords_;
  std::shared_ptr<PagePool> acctPool_;  // the engine's accounting pool (one page, never copied to)
  std::unique_ptr<RegionUring> uring_;  // async eviction to a device
  std::thread faultThread_, reclaimThread_;
  std::atomic<uint64_t> faultCpuAtExit_{0}, reclaimCpuAtExit_{0};
  std::atomic<int> serveCpu_{-1};
};

}  // namespace frontswap
