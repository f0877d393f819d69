// io_uring submission and completion for one SwapDevice: page reads and writes
// through `depth` aligned staging pages (registered as fixed buffers), one
// io_uring_submit per submit()/reap() call, completions peeked from the CQ ring
// without a syscall each. Ops on one slot run one after another in push order
// (the per-key order frontswap promises); beyond `depth` ops wait in a FIFO,
// never dropped (back-pressure). Runs on the owning JS thread only.
//
// Built without liburing (FRONTSWAP_HAVE_LIBURING undefined), create() returns
// Code::UringUnavailable.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "page_pool.h"  // InflightOwner
#include "swap_device.h"
#include "status.h"

namespace frontswap {

// What the queue asks of its user, per op (`tag` is the user's).
class UringClient {
 public:
  // Just before the op is issued: a write fills `staging` with the page. 0, or
  // -errno to complete the op with that error without issuing it.
  virtual int prepare(uint64_t tag, bool write, uint8_t* staging) = 0;
  // The op finished: res 0, or -errno. A read's bytes are in `staging`.
  virtual void complete(uint64_t tag, bool write, int res, const uint8_t* staging) = 0;
  // The last op pushed on `slot` has finished.
  virtual void slotIdle(uint32_t slot) = 0;

 protected:
  ~UringClient() = default;
};

struct UringStats {
  uint64_t submitCalls = 0;  // io_uring_submit calls that sent something
  uint64_t sqes = 0;         // I/Os issued
  uint64_t cqes = 0;         // completions reaped
  uint64_t waitedOps = 0;    // ops that had to wait for a free queue entry (back-pressure)
  uint64_t maxBacklog = 0;   // most ops ever waiting at once
  bool fixedBuffers = false;
};

class UringQueue final : public InflightOwner {
 public:
  // deviceOwner: the queue is the device's InflightOwner (its quiesce() and
  // close() drain it; one such queue per device). A SwapRegion's private queue
  // passes false: it is driven by the region's reclaimer alone, which drains it.
  static Code create(std::shared_ptr<SwapDevice> device, uint32_t depth, UringClient* client,
                     std::unique_ptr<UringQueue>* out, std::string* message, bool deviceOwner = true);
  ~UringQueue();  // drains, then tears the ring down
  UringQueue(const UringQueue&) = delete;
  UringQueue& operator=(const UringQueue&) = delete;

  uint32_t depth() const { return depth_; }
  int eventFd() const { return eventFd_; }  // readable when completions are waiting
  const UringStats& stats() const { return stats_; }
  uint32_t inflight() const { return inflight_; }
  size_t pending() const { return live_; }  // pushed and not yet complete

  // Queues one I/O on `slot`, after every earlier op on that slot.
  void push(bool write, uint32_t slot, uint64_t tag);
  // Issues what is ready, up to the depth, with one io_uring_submit.
  void submit();
  // Completes whatever the kernel finished (no syscall per completion), then submits successors.
  void reap() override;
  // Waits until nothing is pending.
  void drainAll() override;
  // Clears the eventfd's count (before reap(), so a later completion signals again).
  void clearEvent();
  // Sleeps in io_uring_enter until a completion is ready (or nothing is in
  // flight), consuming none: reap() takes them. Unlike a poll() on eventFd(),
  // it runs the completion work (task_work) the kernel may leave to the
  // submitting thread, so that thread cannot wait for itself: a SwapRegion's
  // reclaimer asleep in poll() on its ring's eventfd was seen never to wake,
  // its writes done at the device. For a thread that waits for its own submissions.
  void waitReady();

 private:
  struct Op {
    uint32_t slot;
    uint32_t next;  // the next op pushed on the same slot, or kNone
    uint32_t staging;
    bool write;
    uint64_t tag;
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Ring;

  UringQueue() = default;
  void finish(uint32_t op, int res);
  bool issue(uint32_t op);
  void reapReady(bool wait);

  std::shared_ptr<SwapDevice> device_;
  UringClient* client_ = nullptr;
  std::unique_ptr<Ring> ring_;
  uint32_t depth_ = 0;
  bool owner_ = true;
  int eventFd_ = -1;
  uint8_t* staging_ = nullptr;  // depth × pageSize
  std::vector<uint32_t> freeStaging_;
  std::vector<Op> ops_;
  std::vector<uint32_t> freeOps_;
  std::vector<uint32_t> slotTail_;  // last op pushed on each slot, or kNone
  std::deque<uint32_t> ready_;      // ops first on their slot, waiting for a queue entry
  uint32_t inflight_ = 0;
  size_t live_ = 0;
  UringStats stats_;
};

}  // namespace frontswap
