// A SwapRegion's evictions to a SwapDevice through io_uring: a batch of victims
// becomes one io_uring submission of page writes (from the queue's registered
// staging pages), and the reclaimer waits for the batch's completions in
// io_uring_enter without the region's lock (io_uring_enter also runs the
// completion work the kernel may leave to the submitting thread: a poll() on
// the ring's eventfd was seen to wait forever for it). The queue is the region's own (not
// the device's InflightOwner: the JS thread never drains it) and only the
// reclaimer drives it.
//
// Locking, as UffdRegion calls it: queue() and reap() touch the device's state
// (busy slots, discards, I/O counters), which the fault thread also touches, so
// they run under the region's lock; submit() and waitForCompletions() touch
// only this queue and the victims' pages (write-protected meanwhile), so they
// run without it and faults go on.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "status.h"
#include "uring_queue.h"

namespace frontswap {

class SwapDevice;

class RegionUring final : private UringClient {
 public:
  // depth: the most writes in one batch. Code::UringUnavailable in a build
  // without liburing (the region then writes synchronously).
  static Code create(std::shared_ptr<SwapDevice> device, uint32_t depth, std::unique_ptr<RegionUring>* out,
                     std::string* why);
  ~RegionUring();  // waits for every write still in flight

  // Locked: a write of `page` (its bytes at `src`, readable until it completes)
  // to `slot`. Its result is result(index), index counting from 0 per batch.
  void queue(uint32_t slot, const uint8_t* src);
  // Unlocked: copies the queued pages into staging and issues them, one io_uring_submit.
  void submit();
  // Unlocked: sleeps in io_uring_enter until a completion is ready (returns at once if one is).
  void waitForCompletions();
  // Locked: accounts the completions that arrived; true when the batch is done.
  bool reap();
  // After the batch is done: 0, or -errno for write `index`. Then clear() starts the next batch.
  int result(size_t index) const { return results_[index]; }
  void clear();

  // The queue's io_uring_submit calls and writes issued so far.
  void counts(uint64_t* submitCalls, uint64_t* writes) const { q_->issueCounts(submitCalls, writes); }

 private:
  RegionUring() = default;
  int prepare(uint64_t tag, bool write, uint8_t* staging) override;
  void complete(uint64_t tag, bool write, int res, const uint8_t* staging) override;
  void slotIdle(uint32_t) override {}

  std::unique_ptr<UringQueue> q_;
  std::vector<const uint8_t*> src_;
  std::vector<int> results_;
  uint32_t pageSize_ = 0;
};

}  // namespace frontswap
