// The reclaim half of UffdRegion: the reclaimer thread's loop and the eviction
// pass it shares with the fault thread's direct reclaim.
#include <sys/mman.h>

#include "clocks.h"
#include "copy_engine.h"
#include "page_copy.h"
#include "page_pool.h"
#include "region_uring.h"
#include "uffd.h"
#include "uffd_region.h"

namespace frontswap {

void UffdRegion::reclaimLoop() {
  std::unique_lock<std::mutex> lk(mu_);
  uint64_t seen = 0;
  for (;;) {
    // A kick is a fault that left residency above high; after a pass that
    // freed nothing, only a new one starts another.
    kick_.wait(lk, [&] { return stop_ || (kicks_ != seen && resident_ - evicting_ > high_); });
    if (stop_) break;
    seen = kicks_;
    while (!stop_ && resident_ - evicting_ > low_) {
      // Nothing freed: every victim was refused (the backend is full). Wait for
      // the next fault's kick rather than spin.
      if (evictBatch(config_.evict == EvictMode::Async && (engine_ || uring_), lk) == 0) break;
    }
  }
  lk.unlock();
  reclaimCpuAtExit_.store(threadCpuNs());
}

void UffdRegion::dropLocked(uint32_t page) {
  madvise(addr(page), kPage, MADV_DONTNEED);  // the next access is a missing fault
  state_[page] = Absent;
  resident_--;
}

uint32_t UffdRegion::evictBatch(bool useEngine, std::unique_lock<std::mutex>& lk) {
  st_.reclaimPasses++;
  std::vector<Victim> victims;
  uint32_t freed = 0, refused = 0;
  const bool viaUring = useEngine && uring_;
  // Phase 1 (locked): choose. Clean and zero pages go at once; dirty ones are
  // write-protected and get their store decided (slot chosen, or refused).
  while (victims.size() < config_.batch && resident_ - evicting_ > low_ && refused <= clock_.size()) {
    uint32_t p = clock_.next();
    if (p == VictimClock::kNone) break;
    uint8_t s = state_[p];
    if (s == Clean || s == ZeroClean) {
      dropLocked(p);
      (s == Clean ? st_.cleanDrops : st_.zeroDrops)++;
      freed++;
      continue;
    }
    uint8_t* dst = nullptr;
    uint32_t slot = kNoSlot;
    bool planned = viaUring ? (slot = backend_->planSlot(p)) != kNoSlot : (dst = backend_->planStore(p)) != nullptr;
    if (!planned) {  // refused: the page stays resident and dirty, nothing is lost
      st_.rejectedEvictions++;
      refused++;
      clock_.putBack(p);
      continue;
    }
    uffd::writeProtect(uffd_, addr(p), kPage, true);  // from here a write waits for us
    state_[p] = Evicting;
    stored_[p] = 1;
    evicting_++;
    victims.push_back({p, dst, slot});
  }
  if (victims.empty()) return freed;
  // Phase 2 (unlocked): move the bytes; faults on other pages go on meanwhile.
  if (viaUring) {
    for (const Victim& v : victims) uring_->queue(v.slot, addr(v.page));  // the device's busy slots: locked
    uringInFlight_ = true;
  }
  lk.unlock();
  if (viaUring) {
    writeThroughUring(lk);
  } else {
    moveBytes(victims, useEngine);
    lk.lock();
  }
  // Phase 3 (locked): the copies are in the backend; drop the pages. A store
  // the backend could not complete (a device's I/O error) keeps its page.
  uint32_t kept = 0;
  for (size_t i = 0; i < victims.size(); i++) {
    const Victim& v = victims[i];
    evicting_--;
    if (!(viaUring ? backend_->commitWrite(v.page, v.slot, uring_->result(i)) : backend_->commitStore(v.page, v.dst))) {
      state_[v.page] = Dirty;
      stored_[v.page] = 0;
      uffd::writeProtect(uffd_, addr(v.page), kPage, false);
      clock_.putBack(v.page);
      st_.rejectedEvictions++;
      kept++;
      continue;
    }
    dropLocked(v.page);
    st_.evictions++;
  }
  if (viaUring) {
    uringInFlight_ = false;  // evicted_ below wakes a fault waiting to use the device
    uring_->clear();
    uring_->counts(&st_.uringSubmits, &st_.uringWrites);
  }
  evicted_.notify_all();
  return freed + uint32_t(victims.size()) - kept;
}

void UffdRegion::writeThroughUring(std::unique_lock<std::mutex>& lk) {
  uring_->submit();  // copies into the queue's staging pages: the victims are write-protected
  for (;;) {
    uring_->waitForCompletions();
    lk.lock();
    if (uring_->reap()) return;
    lk.unlock();
  }
}

void UffdRegion::moveBytes(const std::vector<Victim>& victims, bool useEngine) {
  if (!useEngine) {
    for (const Victim& v : victims) copyPage(v.dst, addr(v.page), kPage, false);
    return;
  }
  // Only this thread pushes to the region's engine: one producer per ring.
  for (const Victim& v : victims)
    engine_->push(0, CopyDesc{v.dst, addr(v.page), acctPool_.get(), kPage, 0});
  engine_->trackPool(acctPool_, victims.size());
  engine_->drainAll();
}

}  // namespace frontswap
