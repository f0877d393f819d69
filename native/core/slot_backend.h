// Where a Frontswap's pages live: the front-end keeps the key map, the rules and
// the counters; a backend hands out slots and moves a page's bytes in or out.
// Two backends: a PagePool (memcpy; the copy engine moves bytes asynchronously)
// and a SwapDevice (pread/pwrite; io_uring asynchronously).
#pragma once
#include <cstdint>
#include <memory>

#include "page_pool.h"
#include "swap_device.h"
#include "status.h"

namespace frontswap {

class SlotBackend {
 public:
  virtual ~SlotBackend() = default;
  // Code::Ok while usable, else the backend's closed code (ERR_POOL_CLOSED, ERR_DEVICE_CLOSED).
  virtual Code closedCode() const = 0;
  virtual uint32_t pageSize() const = 0;
  virtual uint32_t capacity() const = 0;
  virtual uint32_t usedPages() const = 0;
  virtual uint32_t allocSlot() = 0;  // kNoSlot when full
  virtual void releaseSlot(uint32_t slot) = 0;
  // Returns once every asynchronous copy or I/O issued before has landed, so a
  // synchronous operation never overtakes one.
  virtual void quiesce() = 0;
  // Moves one page; 0, or -errno (a device's I/O error; a pool never fails).
  virtual int write(uint32_t slot, const uint8_t* page) = 0;
  virtual int read(uint32_t slot, uint8_t* page) = 0;
  // A SwapRegion's threads own the backend while attached (frontswap_backend.h).
  virtual bool claimed() const = 0;
};

class PoolBackend final : public SlotBackend {
 public:
  explicit PoolBackend(std::shared_ptr<PagePool> pool) : pool_(std::move(pool)) {}
  Code closedCode() const override { return pool_->closed() ? Code::PoolClosed : Code::Ok; }
  uint32_t pageSize() const override { return pool_->pageSize(); }
  uint32_t capacity() const override { return pool_->capacity(); }
  uint32_t usedPages() const override { return pool_->closed() ? 0 : pool_->usedPages(); }
  uint32_t allocSlot() override { return pool_->allocSlot(SlotOwner::Frontswap); }
  void releaseSlot(uint32_t slot) override { pool_->releaseSlot(slot); }
  void quiesce() override { pool_->quiesce(); }
  bool claimed() const override { return pool_->claimed(); }
  int write(uint32_t slot, const uint8_t* page) override;
  int read(uint32_t slot, uint8_t* page) override;
  const std::shared_ptr<PagePool>& pool() const { return pool_; }

 private:
  std::shared_ptr<PagePool> pool_;
};

class DeviceBackend final : public SlotBackend {
 public:
  explicit DeviceBackend(std::shared_ptr<SwapDevice> device) : device_(std::move(device)) {}
  Code closedCode() const override { return device_->closed() ? Code::DeviceClosed : Code::Ok; }
  uint32_t pageSize() const override { return device_->pageSize(); }
  uint32_t capacity() const override { return device_->capacity(); }
  uint32_t usedPages() const override { return device_->usedPages(); }
  uint32_t allocSlot() override { return device_->allocSlot(); }
  void releaseSlot(uint32_t slot) override { device_->releaseSlot(slot); }
  void quiesce() override { device_->quiesce(); }
  bool claimed() const override { return device_->claimed(); }
  int write(uint32_t slot, const uint8_t* page) override { return device_->writeSlot(slot, page); }
  int read(uint32_t slot, uint8_t* page) override { return device_->readSlot(slot, page); }
  const std::shared_ptr<SwapDevice>& device() const { return device_; }

 private:
  std::shared_ptr<SwapDevice> device_;
};

}  // namespace frontswap
