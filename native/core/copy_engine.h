// The asynchronous copy engine: dedicated worker threads, each fed by its own
// single-producer ring, that only move bytes, the way a DMA engine would. The
// JS thread decides what to copy, queues descriptors (push), rings the doorbell
// once per batch, and later reaps what finished. Each worker publishes its
// completion count in words shared with JS, and wakes the event loop only when
// JS armed a wake-up (io_uring's NEED_WAKEUP, turned around).
//
// Ordering: copies on one worker run in push order; callers route every copy
// that touches a given pool slot to the same worker, so per-slot order holds.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "page_pool.h"
#include "spsc_ring.h"

namespace frontswap {

struct CopyDesc {
  uint8_t* dst;
  const uint8_t* src;
  PagePool* pool;   // the pool it touches: in-flight accounting, cancellation
  uint32_t len;
  uint32_t stream;  // non-temporal stores into the pool
};

enum class WaitMode : uint8_t { Sleep = 0, Spin = 1, Adaptive = 2 };

struct EngineConfig {
  uint32_t workers = 1;
  WaitMode waitMode = WaitMode::Adaptive;
  uint32_t spinMicros = 50;     // adaptive: idle spinning before a worker parks
  uint32_t ringEntries = 1024;  // per worker; a power of two
  // Empty: workers run where the scheduler puts them. Else worker i is pinned
  // (sched_setaffinity) to cpus[i % cpus.size()]; each must be allowed to the process.
  std::vector<int> cpus;
};

// The CPUs this process may run on (sched_getaffinity).
std::vector<int> allowedCpus();

class CopyEngine final : public InflightOwner {
 public:
  static constexpr uint32_t kMaxWorkers = 32;  // worker masks are 32-bit
  using WakeFn = void (*)(void* ctx);

  // `words` holds sharedWords::size(workers) u32 that outlive the threads; `wake`
  // is called from a worker thread when JS armed a wake-up that is now due.
  // Throws std::system_error when the threads cannot be started.
  CopyEngine(const EngineConfig& config, uint32_t* words, WakeFn wake, void* wakeCtx);
  ~CopyEngine();
  CopyEngine(const CopyEngine&) = delete;
  CopyEngine& operator=(const CopyEngine&) = delete;

  const EngineConfig& config() const { return config_; }
  uint32_t workers() const { return config_.workers; }
  uint32_t route(uint32_t slot) const { return slot % config_.workers; }

  // --- JS thread ---
  // Accounts `count` copies about to be pushed on `pool` and keeps it alive
  // until they are reaped. Call before push().
  void trackPool(const std::shared_ptr<PagePool>& pool, uint64_t count);
  // Queues a copy on worker w; returns the completion count that means it is done.
  uint64_t push(uint32_t w, const CopyDesc& d);
  // Publishes what was pushed and wakes parked workers: once per batch.
  void doorbell();
  // Accounts finished copies to their pools and refills rings from overflow.
  void reap() override;
  // Waits (on this thread) until every pushed copy has finished, then reaps.
  void drainAll() override;
  bool idle() const;
  uint64_t pushed(uint32_t w) const { return workers_[w]->pushed; }
  uint64_t backlog() const;  // copies waiting for ring space
  // Stops and joins the workers; copies that never ran are accounted as
  // abandoned. Idempotent; the destructor calls it.
  void shutdown();
  bool stopped() const { return stopped_; }
  uint64_t workerCpuNs(uint32_t w) const;
  // The CPUs worker w may run on, read back from the kernel after pinning.
  const std::vector<int>& workerCpus(uint32_t w) const { return workers_[w]->cpus; }

 private:
  struct Worker {
    explicit Worker(uint32_t entries) : ring(entries) {}
    SpscRing<CopyDesc> ring;
    std::deque<CopyDesc> overflow;  // back-pressure: queued, never dropped
    uint64_t pushed = 0;
    uint32_t* words = nullptr;  // this worker's block
    std::atomic<uint32_t> parked{0};  // futex word
    std::thread thread;
    std::atomic<uint64_t> cpuNsAtExit{0};
    std::vector<int> cpus;  // read back once the thread is placed
  };
  void place(Worker& w, uint32_t index);

  void run(Worker& w);
  void idleWait(Worker& w, uint64_t head, uint64_t* idleSince);
  void park(Worker& w, uint64_t head);
  void maybeWakeJs(Worker& w, uint64_t head);
  void account(const CopyDesc& d);
  void flushAccount();
  void pruneBusyPools();

  EngineConfig config_;
  WakeFn wake_;
  void* wakeCtx_;
  uint32_t* armed_;  // the engine-wide wake request
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::vector<std::shared_ptr<PagePool>> busyPools_;
  PagePool* acctPool_ = nullptr;  // run-length accounting while reaping
  uint64_t acctCount_ = 0;
};

}  // namespace frontswap
