// io_uring submission and completion for one SwapDevice: page reads and writes
// through 2 × `depth` aligned staging pages (registered as fixed buffers), one
// io_uring_submit per submit()/reap()/refill() call, completions peeked from the
// CQ ring without a syscall each. Ops on one slot run one after another in push
// order (the per-key order frontswap promises); beyond `depth` ops wait in a
// FIFO, never dropped (back-pressure).
//
// Threads: push/submit/reap/drainAll and every UringClient callback but
// prepare() run on the owning (JS) thread. refill() may run on another thread
// (the glue's eventfd waiter): it moves finished I/O off the CQ ring ("landed",
// its staging page still held) and issues waiting ops at once, so the device
// keeps up to `depth` in flight while the owner has not yet reaped. prepare()
// may therefore run on that thread, under the queue's lock. Landed ops are
// completed (complete(), slotIdle(), successors queued) by the owner only, so
// per-slot order is the same whoever issues: a successor on a slot is queued
// only once the op before it has completed on the owner thread. The second
// `depth` staging pages let refill() issue while `depth` landed ops wait.
//
// Built without liburing (FRONTSWAP_HAVE_LIBURING undefined), create() returns
// Code::UringUnavailable.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "latency_histogram.h"
#include "page_pool.h"  // InflightOwner
#include "swap_device.h"
#include "status.h"

namespace frontswap {

// What the queue asks of its user, per op (`tag` is the user's).
class UringClient {
 public:
  // Just before the op is issued: a write fills `staging` with the page. 0, or
  // -errno to complete the op with that error without issuing it. May run on
  // the thread that calls refill(), under the queue's lock (see above).
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
  uint64_t refills = 0;      // refill() calls that issued something
  uint64_t refilledSqes = 0;  // I/Os issued by refill() (before the owner reaped)
  bool fixedBuffers = false;
  // Per I/O, from its submission to its completion on the CQ ring (ns).
  LatencyHistogram writeLatency, readLatency;
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

  int eventFd() const { return eventFd_; }  // readable when completions are waiting
  UringStats stats() const;                      // a snapshot
  // Just the submission counts (no histogram copy): io_uring_submit calls, I/Os issued.
  void issueCounts(uint64_t* submitCalls, uint64_t* sqes) const;
  uint32_t inflight() const;                     // with the kernel now
  size_t pending() const;                        // pushed and not yet complete

  // Queues one I/O on `slot`, after every earlier op on that slot.
  void push(bool write, uint32_t slot, uint64_t tag);
  // Issues what is ready, up to the depth, with one io_uring_submit.
  void submit();
  // Completes whatever the kernel finished (no syscall per completion), then submits successors.
  void reap() override;
  // Any thread: moves finished I/O off the CQ ring and refills the ring from
  // the waiting ops, up to the depth. True when landed ops wait for reap().
  bool refill();
  // Waits until nothing is pending.
  void drainAll() override;
  // Clears the eventfd's count (before reap(), so a later completion signals again).
  void clearEvent();
  // Runs f under the queue's lock: for the client's state that prepare() reads.
  template <class F>
  void withLock(F&& f) {
    std::lock_guard<std::mutex> g(mu_);
    f();
  }
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
    uint64_t issuedNs;
  };
  struct Landed {
    uint32_t op;
    int res;  // 0 or -errno
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Ring;

  UringQueue() = default;
  // All with mu_ held.
  void finish(uint32_t op, int res);  // owner thread only
  void finishLanded();                // owner thread only: completes landed ops, issues their successors
  bool issue(uint32_t op);
  bool issueReady();   // true when SQEs were prepared
  void submitRing();
  void landCqes();
  void reapLocked();  // lands, completes and issues what follows, then submits

  mutable std::mutex mu_;  // the ring, the ops and the client's prepare() state
  std::shared_ptr<SwapDevice> device_;
  int fd_ = -1;
  uint32_t pageSize_ = 0;
  UringClient* client_ = nullptr;
  std::unique_ptr<Ring> ring_;
  uint32_t depth_ = 0;
  bool owner_ = true;
  // A drain that could not wait the ring out: the kernel may still write into
  // the staging pages, so they are never freed.
  bool stagingHeld_ = false;
  int eventFd_ = -1;
  uint8_t* staging_ = nullptr;  // 2 × depth × pageSize
  std::vector<uint32_t> freeStaging_;
  std::vector<Op> ops_;
  std::vector<uint32_t> freeOps_;
  std::vector<uint32_t> slotTail_;  // last op pushed on each slot, or kNone
  std::deque<uint32_t> ready_;      // ops first on their slot, waiting for a queue entry
  std::vector<Landed> landed_;      // finished by the kernel, not yet completed to the client
  uint32_t inflight_ = 0;
  bool prepared_ = false;           // SQEs prepared and not yet submitted
  size_t live_ = 0;
  UringStats stats_;
};

}  // namespace frontswap
