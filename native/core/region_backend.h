// Where a SwapRegion's evicted pages live: the small interface between the
// region and a store of pages, so a Frontswap over a page pool, a device
// backend or a prepared page (the userfaultfd floor) plug in alike. Keys are
// the region's page indexes. The region calls every method under its own lock,
// from its fault and reclaim threads: a backend needs no locking of its own,
// but must not be used by anyone else meanwhile (see FrontswapBackend).
#pragma once
#include <cstdint>
#include <memory>

#include "slot_allocator.h"  // kNoSlot

namespace frontswap {

class PagePool;
class SwapDevice;

class RegionBackend {
 public:
  virtual ~RegionBackend() = default;
  virtual uint32_t pageSize() const = 0;

  // The stored copy of `page`, readable until the next call on this backend,
  // or nullptr when none is stored. *kept: the backend still holds the copy
  // afterwards (false when a load also frees it, as with exclusive gets).
  virtual const uint8_t* fetch(uint32_t page, bool* kept) = 0;

  // Decides a store of `page` now: where its bytes must be copied (and stay
  // valid until forget() or the next store of that page), or nullptr when the
  // store is rejected (full). The copy itself happens later, outside the lock.
  virtual uint8_t* planStore(uint32_t page) = 0;

  // The planned store's bytes are at `dst` now: make them the stored copy (a
  // device writes them out). False: it failed and the store is undone; the
  // region keeps the page.
  virtual bool commitStore(uint32_t page, uint8_t* dst) { return true; }

  // The stored copy of `page` is stale or no longer wanted.
  virtual void forget(uint32_t page) = 0;

  // Stores that are device writes the region can issue itself (io_uring):
  // the device, or null. planSlot() decides such a store now, like planStore(),
  // and names the slot (kNoSlot: refused); commitWrite() takes the write's
  // result (0 or -errno) and says whether the store stands (false: it is
  // undone and the region keeps the page).
  virtual std::shared_ptr<SwapDevice> asyncDevice() { return nullptr; }
  virtual uint32_t planSlot(uint32_t page) { return kNoSlot; }
  virtual bool commitWrite(uint32_t page, uint32_t slot, int res) { return false; }

  // The pool the planned stores land in, for the copy engine's accounting and
  // cancellation; nullptr when the engine cannot reach the backend's memory.
  virtual PagePool* enginePool() = 0;
};

}  // namespace frontswap
