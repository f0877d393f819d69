// One frontswap front-end over a shared page pool: Linux frontswap's operation
// table (init, store, load, invalidate_page, invalidate_area) with its rules:
// a store may be rejected, a duplicate store overwrites, stale data is never
// returned, exclusive gets free the slot, and the counters reconcile.
//
// The plan* calls decide the metadata of an operation now and name the slot
// whose bytes still have to move; the sync calls move them at once, the copy
// engine moves them later. Runs on the owning JS thread only.
//
// Where the bytes go is a SlotBackend (slot_backend.h): a PagePool or a
// SwapDevice. The key map, the rules and the counters here are the same for both.
#pragma once
#include <cstdint>
#include <memory>
#include <utility>

#include "page_pool.h"
#include "slot_backend.h"
#include "swap_device.h"
#include "swap_map.h"
#include "status.h"

namespace frontswap {

struct FrontswapStats {
  uint64_t succStores = 0;       // accepted stores, overwrites included
  uint64_t failedStores = 0;     // rejected: the pool was full
  uint64_t duplicateStores = 0;  // accepted stores that overwrote a stored page
  uint64_t loads = 0;            // loads that found the page
  uint64_t failedLoads = 0;      // loads of a page that was not there
  uint64_t exclusiveLoads = 0;   // loads that also freed the page (exclusiveGets)
  uint64_t invalidates = 0;      // invalidatePage calls that removed a page
  uint64_t areaInvalidates = 0;  // invalidateArea calls
  uint64_t areaInvalidatedPages = 0;
  uint64_t storedPages = 0;
  uint64_t ioErrors = 0;         // device reads/writes that failed (the op reported the errno)
  uint64_t lostPages = 0;        // stored pages dropped because their write or read failed
};

class Frontswap {
 public:
  static constexpr uint32_t kTypes = 32;  // MAX_SWAPFILES in spirit

  Frontswap(std::shared_ptr<PagePool> pool, bool exclusiveGets);
  Frontswap(std::shared_ptr<SwapDevice> device, bool exclusiveGets);
  ~Frontswap();  // gives every page it holds back to the backend
  Frontswap(const Frontswap&) = delete;
  Frontswap& operator=(const Frontswap&) = delete;

  // The pool of a pool-backed front-end (pool() only when hasPool()).
  bool hasPool() const { return pool_ != nullptr; }
  PagePool& pool() const { return *pool_; }
  const std::shared_ptr<PagePool>& poolRef() const { return pool_; }
  // The device of a device-backed front-end, or null.
  const std::shared_ptr<SwapDevice>& device() const { return device_; }
  SlotBackend& backend() const { return *backend_; }
  uint32_t pageSize() const {
    return onBackend([](auto& b) { return b.pageSize(); });
  }
  bool exclusiveGets() const { return exclusiveGets_; }
  // The errno of the last Code::IoError a sync call returned.
  int lastErrno() const { return lastErrno_; }
  const FrontswapStats& stats() const { return stats_; }
  uint32_t initializedTypes() const { return initMask_; }
  size_t mapBytes() const;

  // Argument and state checks shared by every entry point: pool open, type in
  // range and (unless `forInit`) initialized.
  Code check(uint32_t type) const {
    return onBackend([&](auto& b) { return checkOn(b, type); });
  }

  Code init(uint32_t type);
  Code invalidateArea(uint32_t type);

  // Synchronous operations: `page` is exactly pageSize() bytes. A device's
  // I/O error returns Code::IoError (lastErrno() says which) and the key it hit
  // is dropped: no key claims bytes it does not have.
  Code store(uint32_t type, uint32_t offset, const uint8_t* page, bool* stored);
  Code load(uint32_t type, uint32_t offset, uint8_t* page, bool* found);
  Code invalidatePage(uint32_t type, uint32_t offset, bool* removed);
  Code has(uint32_t type, uint32_t offset, bool* present) const;

  // Planning, after check() passed. Return the slot whose bytes must move, or
  // kNoSlot when nothing moves (rejected store, missing page).
  uint32_t planStore(uint32_t type, uint32_t offset);
  uint32_t planLoad(uint32_t type, uint32_t offset);
  bool planInvalidate(uint32_t type, uint32_t offset);
  void prefetch(uint32_t type, uint32_t offset) const { maps_[type].prefetch(offset); }
  // The slot (type, offset) maps to now, or kNoSlot; changes nothing.
  uint32_t find(uint32_t type, uint32_t offset) const { return maps_[type].find(offset); }

  // An I/O on `slot` for (type, offset) failed: counts it and, if the key still
  // maps to that slot, drops the key and frees the slot (its bytes are unknown).
  void loseSlot(uint32_t type, uint32_t offset, uint32_t slot);

 private:
  // Runs f on the backend, as its own final type where it is a pool: the calls
  // in f are then direct and inline. Through the SlotBackend interface a 4 KiB
  // sync store made five virtual calls, and hot 4 KiB stores and loads ran 3-8%
  // slower than before the interface existed; called directly they do not.
  template <typename F>
  auto onBackend(F&& f) const -> decltype(f(std::declval<SlotBackend&>())) {
    return poolBackend_ ? f(*poolBackend_) : f(*backend_);
  }
  template <typename B>
  Code checkOn(const B& b, uint32_t type) const {
    Code closed = b.closedCode();
    if (closed != Code::Ok) return closed;
    if (b.claimed()) return Code::RegionAttached;
    if (type >= kTypes) return Code::OutOfRange;
    if (!(initMask_ & (1u << type))) return Code::TypeNotInitialized;
    return Code::Ok;
  }
  template <typename B>
  uint32_t planStoreOn(B& b, uint32_t type, uint32_t offset);
  template <typename B>
  uint32_t planLoadOn(B& b, uint32_t type, uint32_t offset);
  // A load's counters, and an exclusive load's freeing of `slot` (already out of the map).
  template <typename B>
  uint32_t settleLoad(B& b, uint32_t slot);
  template <typename B>
  Code storeOn(B& b, uint32_t type, uint32_t offset, const uint8_t* page, bool* stored);
  template <typename B>
  Code loadOn(B& b, uint32_t type, uint32_t offset, uint8_t* page, bool* found);

  std::shared_ptr<PagePool> pool_;      // pool backend only
  std::shared_ptr<SwapDevice> device_;  // device backend only
  std::unique_ptr<SlotBackend> backend_;
  PoolBackend* poolBackend_ = nullptr;  // backend_ where it is a pool
  int lastErrno_ = 0;
  bool exclusiveGets_;
  uint32_t initMask_ = 0;
  SwapMap maps_[kTypes];
  FrontswapStats stats_;
};

}  // namespace frontswap
