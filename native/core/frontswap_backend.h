// A Frontswap front-end (over a page pool) as a region backend: one swap type,
// whose offsets are the region's page indexes. fetch() hands out the pool slot
// itself, so UFFDIO_COPY reads straight from the slot (no extra copy).
//
// Concurrency: Frontswap and PagePool are single-threaded. While a region is
// attached, the backend claims the pool (PagePool::claim): every JS entry point
// on that pool — any front-end's store/load/invalidate/has/init/batch, and
// reserve() — refuses with ERR_REGION_ATTACHED, so only the region's threads
// (under the region's lock) touch the maps, the counters and the slot allocator.
// The region holds the pool's mapping, so pool.close() meanwhile unmaps nothing
// under the fault thread, and its async copies are accounted to a pool of the
// region's own (never this one), so the JS thread's pool calls never reach
// into the region's copy engine.
#pragma once
#include <memory>

#include "frontswap.h"
#include "mapping.h"
#include "region_backend.h"

namespace frontswap {

class FrontswapBackend final : public RegionBackend {
 public:
  // Claims the pool and opens `type`; Code::Ok, or why not (type already open,
  // pool closed, pool already claimed, page size not 4096).
  static Code attach(Frontswap* fs, uint32_t type, std::unique_ptr<FrontswapBackend>* out);
  ~FrontswapBackend() override;  // closes the type (its slots go back) and releases the claim

  uint32_t pageSize() const override { return fs_->pool().pageSize(); }
  const uint8_t* fetch(uint32_t page, bool* kept) override;
  uint8_t* planStore(uint32_t page) override;
  void forget(uint32_t page) override;
  PagePool* enginePool() override { return &fs_->pool(); }

 private:
  FrontswapBackend(Frontswap* fs, uint32_t type);
  Frontswap* fs_;  // outlives the backend (the glue holds its JS handle)
  std::shared_ptr<Mapping> mapping_;  // the slots stay mapped while the region runs
  uint8_t* base_;
  uint32_t type_;
};

// The userfaultfd floor: every fault gets the same prepared page, and stores
// are accepted into one scratch page. No lookup, no map: what is left of a
// fault is the kernel's and the fault thread's own cost.
class PreparedPageBackend final : public RegionBackend {
 public:
  explicit PreparedPageBackend(uint32_t pageSize);
  uint32_t pageSize() const override { return pageSize_; }
  const uint8_t* fetch(uint32_t, bool* kept) override {
    *kept = true;
    return page_.get();
  }
  uint8_t* planStore(uint32_t) override { return scratch_.get(); }
  void forget(uint32_t) override {}
  PagePool* enginePool() override { return nullptr; }

 private:
  uint32_t pageSize_;
  std::unique_ptr<uint8_t[]> page_, scratch_;
};

}  // namespace frontswap
