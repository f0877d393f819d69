#include "uring_queue.h"

#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "clocks.h"

#ifdef FRONTSWAP_HAVE_LIBURING
#include <liburing.h>
#endif

namespace frontswap {

#ifdef FRONTSWAP_HAVE_LIBURING

struct UringQueue::Ring {
  io_uring ring;
};

Code UringQueue::create(std::shared_ptr<SwapDevice> device, uint32_t depth, UringClient* client,
                        std::unique_ptr<UringQueue>* out, std::string* message, bool deviceOwner) {
  if (device->closed()) {
    *message = "the device is closed";
    return Code::DeviceClosed;
  }
  if (deviceOwner && device->hasInflightOwner()) {
    *message = "the device already has an io_uring queue (one per device; more front-ends can share it synchronously)";
    return Code::DeviceBusy;
  }
  if (depth < 1 || depth > 4096) {
    *message = "queueDepth must be from 1 to 4096";
    return Code::OutOfRange;
  }
  std::unique_ptr<UringQueue> q(new UringQueue());
  q->owner_ = deviceOwner;  // before anything can fail: a non-owner's teardown leaves the device's owner alone
  q->ring_.reset(new Ring());
  int r = io_uring_queue_init(depth, &q->ring_->ring, 0);
  if (r < 0) {
    q->ring_.reset();
    *message = std::string("io_uring_setup failed: ") + strerror(-r) +
               (r == -EPERM ? " (kernel.io_uring_disabled, or a seccomp policy, forbids it)" : "");
    return r == -EPERM || r == -ENOSYS ? Code::UringDisabled : Code::DeviceOpenFailed;
  }
  q->device_ = std::move(device);
  q->fd_ = q->device_->fd();
  q->pageSize_ = q->device_->pageSize();
  q->client_ = client;
  q->depth_ = depth;
  const uint32_t ps = q->pageSize_;
  const uint32_t pages = 2 * depth;  // depth in flight, depth landed and waiting for the owner
  void* mem = nullptr;
  if (posix_memalign(&mem, q->device_->memAlign(), size_t(ps) * pages) != 0) {
    *message = "cannot allocate the staging pages";
    return Code::MmapFailed;
  }
  q->staging_ = static_cast<uint8_t*>(mem);
  memset(q->staging_, 0, size_t(ps) * pages);
  // Fixed buffers spare the kernel a page-pinning per I/O; without them (a
  // memlock limit) plain reads and writes do the same work.
  std::vector<iovec> iov(pages);
  for (uint32_t i = 0; i < pages; i++) iov[i] = {q->staging_ + size_t(i) * ps, ps};
  q->stats_.fixedBuffers = io_uring_register_buffers(&q->ring_->ring, iov.data(), pages) == 0;
  q->eventFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (q->eventFd_ < 0 || io_uring_register_eventfd(&q->ring_->ring, q->eventFd_) != 0) {
    *message = std::string("cannot register an eventfd with io_uring: ") + strerror(errno);
    return Code::DeviceOpenFailed;
  }
  for (uint32_t i = pages; i-- > 0;) q->freeStaging_.push_back(i);
  q->slotTail_.assign(q->device_->capacity(), kNone);
  if (deviceOwner) q->device_->setInflightOwner(q.get());
  *out = std::move(q);
  return Code::Ok;
}

UringQueue::~UringQueue() {
  if (ring_) {
    drainAll();
    io_uring_queue_exit(&ring_->ring);
  }
  if (device_ && owner_) device_->setInflightOwner(nullptr);
  if (eventFd_ >= 0) close(eventFd_);
  if (!stagingHeld_) free(staging_);
}

void UringQueue::issueCounts(uint64_t* submitCalls, uint64_t* sqes) const {
  std::lock_guard<std::mutex> g(mu_);
  *submitCalls = stats_.submitCalls;
  *sqes = stats_.sqes;
}

UringStats UringQueue::stats() const {
  std::lock_guard<std::mutex> g(mu_);
  return stats_;
}

uint32_t UringQueue::inflight() const {
  std::lock_guard<std::mutex> g(mu_);
  return inflight_;
}

size_t UringQueue::pending() const {
  std::lock_guard<std::mutex> g(mu_);
  return live_;
}

void UringQueue::push(bool write, uint32_t slot, uint64_t tag) {
  std::lock_guard<std::mutex> g(mu_);
  uint32_t i;
  if (!freeOps_.empty()) {
    i = freeOps_.back();
    freeOps_.pop_back();
  } else {
    i = uint32_t(ops_.size());
    ops_.push_back({});
  }
  ops_[i] = {slot, kNone, kNone, write, tag, 0};
  device_->markBusy(slot);
  live_++;
  if (slotTail_[slot] != kNone) {
    ops_[slotTail_[slot]].next = i;  // runs when the one before it on this slot is done
  } else {
    if (inflight_ + ready_.size() >= depth_) stats_.waitedOps++;  // submit() will find no free entry for it
    ready_.push_back(i);
  }
  slotTail_[slot] = i;
}

bool UringQueue::issue(uint32_t i) {
  Op& op = ops_[i];
  const uint32_t staging = freeStaging_.back();
  uint8_t* buf = staging_ + size_t(staging) * pageSize_;
  int r = client_->prepare(op.tag, op.write, buf);
  if (r < 0) {
    landed_.push_back({i, r});  // never issued: holds no staging page
    return false;
  }
  freeStaging_.pop_back();
  op.staging = staging;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);  // never null: inflight < depth
  const off_t off = off_t(op.slot) * pageSize_;
  if (stats_.fixedBuffers) {
    if (op.write) io_uring_prep_write_fixed(sqe, fd_, buf, pageSize_, off, int(op.staging));
    else io_uring_prep_read_fixed(sqe, fd_, buf, pageSize_, off, int(op.staging));
  } else {
    if (op.write) io_uring_prep_write(sqe, fd_, buf, pageSize_, off);
    else io_uring_prep_read(sqe, fd_, buf, pageSize_, off);
  }
  io_uring_sqe_set_data64(sqe, i);
  op.issuedNs = monoNs();
  inflight_++;
  stats_.sqes++;
  return true;
}

bool UringQueue::issueReady() {
  bool any = false;
  while (!ready_.empty() && inflight_ < depth_ && !freeStaging_.empty()) {
    uint32_t i = ready_.front();
    ready_.pop_front();
    any |= issue(i);
  }
  if (!ready_.empty()) {
    stats_.maxBacklog = std::max<uint64_t>(stats_.maxBacklog, ready_.size());
  }
  prepared_ |= any;
  return any;
}

void UringQueue::submitRing() {
  if (!prepared_) return;
  prepared_ = false;
  stats_.submitCalls++;
  int r;
  do r = io_uring_submit(&ring_->ring);
  while (r == -EINTR);
}

void UringQueue::finish(uint32_t i, int res) {
  Op op = ops_[i];
  if (op.staging != kNone) {
    client_->complete(op.tag, op.write, res, staging_ + size_t(op.staging) * pageSize_);
    freeStaging_.push_back(op.staging);
  } else {
    client_->complete(op.tag, op.write, res, nullptr);
  }
  freeOps_.push_back(i);
  live_--;
  if (op.next != kNone) {
    ready_.push_back(op.next);
  } else {
    slotTail_[op.slot] = kNone;
  }
  device_->markIdle(op.slot);
  if (op.next == kNone) client_->slotIdle(op.slot);
}

void UringQueue::landCqes() {
  io_uring_cqe* cqes[64];
  for (;;) {
    unsigned n = io_uring_peek_batch_cqe(&ring_->ring, cqes, 64);
    if (n == 0) return;
    const uint64_t now = monoNs();
    for (unsigned k = 0; k < n; k++) {
      uint32_t i = uint32_t(io_uring_cqe_get_data64(cqes[k]));
      int res = cqes[k]->res;
      const Op& op = ops_[i];
      (op.write ? stats_.writeLatency : stats_.readLatency).record(now - op.issuedNs);
      landed_.push_back({i, res});  // the raw result: the owner counts it, then judges short transfers
    }
    io_uring_cq_advance(&ring_->ring, n);
    inflight_ -= n;
    stats_.cqes += n;
    if (n < 64) return;
  }
}

void UringQueue::finishLanded() {
  // finish() queues successors, whose prepare() may fail and land at once.
  while (!landed_.empty()) {
    std::vector<Landed> now;
    now.swap(landed_);
    for (const Landed& l : now) {
      const Op& op = ops_[l.op];
      int res = l.res;
      if (op.staging != kNone) {  // was issued: the kernel's result
        device_->countIo(op.write, res);
        res = res < 0 ? res : res == int(pageSize_) ? 0 : -EIO;
      }
      finish(l.op, res);
    }
    issueReady();
  }
}

void UringQueue::submit() {
  std::lock_guard<std::mutex> g(mu_);
  if (!ring_) return;
  issueReady();
  finishLanded();
  submitRing();
}

void UringQueue::reap() {
  std::lock_guard<std::mutex> g(mu_);
  if (!ring_) return;
  reapLocked();
}

void UringQueue::reapLocked() {
  landCqes();
  finishLanded();
  issueReady();
  submitRing();
}

bool UringQueue::refill() {
  std::lock_guard<std::mutex> g(mu_);
  if (!ring_) return false;
  landCqes();
  const uint64_t before = stats_.sqes;
  if (issueReady()) {
    stats_.refills++;
    stats_.refilledSqes += stats_.sqes - before;
  }
  submitRing();
  return !landed_.empty();
}

void UringQueue::drainAll() {
  std::lock_guard<std::mutex> g(mu_);
  if (!ring_) return;
  while (live_ > 0) {
    reapLocked();
    if (live_ == 0) break;
    if (inflight_ == 0) {
      if (ready_.empty() && landed_.empty()) break;  // nothing can move (cannot happen)
      continue;
    }
    // Waits out everything in flight before issuing more: one submission per
    // queue's worth of ops while this thread blocks anyway.
    while (inflight_ > 0) {
      io_uring_cqe* c;
      int r = io_uring_wait_cqe(&ring_->ring, &c);
      if (r < 0 && r != -EINTR) {
        stagingHeld_ = true;  // I/O may still land in them after this queue is gone
        return;
      }
      landCqes();
    }
  }
}

void UringQueue::waitReady() {
  if (!ring_ || inflight_ == 0) return;
  io_uring_cqe* c;
  int r;
  do r = io_uring_wait_cqe(&ring_->ring, &c);
  while (r == -EINTR);
}

void UringQueue::clearEvent() {
  uint64_t v;
  if (eventFd_ >= 0) (void)!read(eventFd_, &v, sizeof v);
}

#else  // !FRONTSWAP_HAVE_LIBURING

struct UringQueue::Ring {};

Code UringQueue::create(std::shared_ptr<SwapDevice>, uint32_t, UringClient*, std::unique_ptr<UringQueue>*,
                        std::string* message, bool) {
  *message = "this build of frontswap has no io_uring: install liburing-dev (pkg-config liburing) and rebuild";
  return Code::UringUnavailable;
}
UringQueue::~UringQueue() {}
void UringQueue::push(bool, uint32_t, uint64_t) {}
void UringQueue::submit() {}
void UringQueue::reap() {}
void UringQueue::drainAll() {}
void UringQueue::clearEvent() {}
void UringQueue::waitReady() {}
void UringQueue::finish(uint32_t, int) {}
bool UringQueue::issue(uint32_t) { return false; }
bool UringQueue::refill() { return false; }
UringStats UringQueue::stats() const { return stats_; }
void UringQueue::issueCounts(uint64_t* submitCalls, uint64_t* sqes) const { *submitCalls = stats_.submitCalls; *sqes = stats_.sqes; }
uint32_t UringQueue::inflight() const { return 0; }
size_t UringQueue::pending() const { return 0; }

#endif

}  // namespace frontswap
