// One frontswap front-end over a shared page pool: Linux frontswap's operation
// table (init, store, load, invalidate_page, invalidate_area) with its rules:
// a store may be rejected, a duplicate store overwrites, stale data is never
// returned, exclusive gets free the slot, and the counters reconcile.
//
// The plan* calls decide the metadata of an operation now and name the slot
// whose bytes still have to move; the sync calls move them at once, the copy
// engine moves them later. Runs on the owning JS thread only.
#pragma once
#include <cstdint>
#include <memory>

#include "page_pool.h"
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
};

class Frontswap {
 public:
  static constexpr uint32_t kTypes = 32;  // MAX_SWAPFILES in spirit

  Frontswap(std::shared_ptr<PagePool> pool, bool exclusiveGets);
  ~Frontswap();  // gives every page it holds back to the pool
  Frontswap(const Frontswap&) = delete;
  Frontswap& operator=(const Frontswap&) = delete;

  PagePool& pool() const { return *pool_; }
  const std::shared_ptr<PagePool>& poolRef() const { return pool_; }
  bool exclusiveGets() const { return exclusiveGets_; }
  const FrontswapStats& stats() const { return stats_; }
  uint32_t initializedTypes() const { return initMask_; }
  size_t mapBytes() const;

  // Argument and state checks shared by every entry point: pool open, type in
  // range and (unless `forInit`) initialized.
  Code check(uint32_t type) const {
    if (pool_->closed()) return Code::PoolClosed;
    if (pool_->claimed()) return Code::RegionAttached;
    if (type >= kTypes) return Code::OutOfRange;
    if (!(initMask_ & (1u << type))) return Code::TypeNotInitialized;
    return Code::Ok;
  }

  Code init(uint32_t type);
  Code invalidateArea(uint32_t type);

  // Synchronous operations: `page` is exactly pool().pageSize() bytes.
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

 private:
  std::shared_ptr<PagePool> pool_;
  bool exclusiveGets_;
  uint32_t initMask_ = 0;
  SwapMap maps_[kTypes];
  FrontswapStats stats_;
};

}  // namespace frontswap
