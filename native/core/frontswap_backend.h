// A Frontswap front-end as a region backend: one swap type, whose offsets are
// the region's page indexes. Over a page pool, fetch() hands out the pool slot
// itself, so UFFDIO_COPY reads straight from the slot (no extra copy). Over a
// SwapDevice, a fault reads the slot into an aligned staging page (pread,
// O_DIRECT) and eviction copies into staging pages that commitStore() writes
// out (pwrite) on the reclaimer; evict 'async' instead plans slots (planSlot)
// and the region writes its victims through an io_uring queue of its own
// (region_uring.h), one submission per batch.
//
// Concurrency: Frontswap, PagePool and SwapDevice are single-threaded. While a
// region is attached, the backend claims the pool or device (claim()): every
// JS entry point through a Frontswap on it — any front-end's store/load/
// invalidate/has/init/batch — and the pool's reserve()/release() refuse with
// ERR_REGION_ATTACHED, so only the region's threads (under the region's lock)
// touch the maps, the counters, the slot allocator and the device. The region
// holds the pool's mapping, so pool.close() meanwhile unmaps nothing under the
// fault thread, and its async copies are accounted to a pool of the region's
// own (never this one), so the JS thread's pool calls never reach into the
// region's copy engine.
#pragma once
#include <memory>
#include <vector>

#include "frontswap.h"
#include "mapping.h"
#include "region_backend.h"

namespace frontswap {

class FrontswapBackend : public RegionBackend {
 public:
  // Claims the pool or device and opens `type`; Code::Ok, or why not (type
  // already open, closed, already claimed, page size not 4096). `fs` outlives
  // the backend (the glue holds its JS handle).
  static Code attach(Frontswap* fs, uint32_t type, std::unique_ptr<FrontswapBackend>* out);
  ~FrontswapBackend() override;  // closes the type (its slots go back) and releases the claim

  uint32_t pageSize() const override { return fs_->pageSize(); }
  void forget(uint32_t page) override { fs_->planInvalidate(type_, page); }

 protected:
  FrontswapBackend(Frontswap* fs, uint32_t type) : fs_(fs), type_(type) {}
  Frontswap* fs_;
  uint32_t type_;
};

// Over a PagePool: zero extra copies.
class PoolFrontswapBackend final : public FrontswapBackend {
 public:
  PoolFrontswapBackend(Frontswap* fs, uint32_t type);
  const uint8_t* fetch(uint32_t page, bool* kept) override;
  uint8_t* planStore(uint32_t page) override;
  PagePool* enginePool() override { return &fs_->pool(); }

 private:
  std::shared_ptr<Mapping> mapping_;  // the slots stay mapped while the region runs
  uint8_t* base_;
};

// Over a SwapDevice: staging pages, device I/O under the region's lock.
class DeviceFrontswapBackend final : public FrontswapBackend {
 public:
  DeviceFrontswapBackend(Frontswap* fs, uint32_t type);
  ~DeviceFrontswapBackend() override;
  const uint8_t* fetch(uint32_t page, bool* kept) override;
  uint8_t* planStore(uint32_t page) override;
  bool commitStore(uint32_t page, uint8_t* dst) override;
  std::shared_ptr<SwapDevice> asyncDevice() override { return fs_->device(); }
  uint32_t planSlot(uint32_t page) override { return fs_->planStore(type_, page); }
  bool commitWrite(uint32_t page, uint32_t slot, int res) override;
  PagePool* enginePool() override { return nullptr; }
  uint64_t ioErrors() const { return ioErrors_; }

 private:
  uint8_t* staging();
  uint8_t* fetchPage_;
  std::vector<uint8_t*> free_, all_;
  uint64_t ioErrors_ = 0;
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
