// A swap device from user space: equal page slots on a block device or a
// regular file, opened with O_DIRECT, read and written with pread/pwrite. Freed
// slots are discarded at once (BLKDISCARD, or PUNCH_HOLE on a file), in batches,
// or never; slots freed and not yet discarded are counted as stale.
// Every method runs on the owning JS thread.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "page_pool.h"  // InflightOwner
#include "slot_allocator.h"
#include "status.h"

namespace frontswap {

enum class DiscardMode : uint8_t { None = 0, Immediate = 1, Batched = 2 };
enum class DeviceKind : uint8_t { Block = 0, File = 1 };

struct SwapDeviceStats {
  uint64_t reads = 0, writes = 0;
  uint64_t bytesRead = 0, bytesWritten = 0;
  uint64_t readErrors = 0, writeErrors = 0;
  uint64_t discards = 0;        // discard calls issued (one per contiguous range)
  uint64_t discardedPages = 0;  // pages those calls covered
  uint64_t discardErrors = 0;
  uint64_t discardNs = 0;       // time spent in discard calls
  uint32_t staleSlots = 0;      // freed after a write, not discarded, not reused
};

// What the device itself holds now: zram's mm_stat, or the blocks a file (or
// a loop device's backing file) has allocated.
struct DeviceHoldings {
  std::string source;  // "zram" | "file" | "loop" | "none"
  uint64_t heldBytes = 0;      // zram: mem_used_total; file: allocated blocks × 512
  uint64_t origBytes = 0;      // zram only: orig_data_size
  uint64_t comprBytes = 0;     // zram only: compr_data_size
};

class SwapDevice {
 public:
  struct Options {
    std::string path;
    uint32_t pageSize = 4096;
    uint32_t pages = 0;
    DiscardMode discard = DiscardMode::Immediate;
    uint32_t discardBatch = 0;  // Batched: discard once this many slots are stale
  };

  static Code open(const Options& options, std::shared_ptr<SwapDevice>* out, std::string* message);
  ~SwapDevice();
  SwapDevice(const SwapDevice&) = delete;
  SwapDevice& operator=(const SwapDevice&) = delete;

  const std::string& path() const { return path_; }
  DeviceKind kind() const { return kind_; }
  uint32_t pageSize() const { return pageSize_; }
  uint32_t capacity() const { return capacity_; }
  uint32_t logicalBlockSize() const { return blockSize_; }
  uint64_t deviceBytes() const { return deviceBytes_; }
  DiscardMode discardMode() const { return discard_; }
  uint32_t discardBatch() const { return discardBatch_; }
  bool closed() const { return fd_ < 0; }
  int fd() const { return fd_; }
  off_t offsetOf(uint32_t slot) const { return off_t(slot) * pageSize_; }
  uint32_t usedPages() const { return capacity_ - slots_.freeCount(); }
  uint32_t freePages() const { return slots_.freeCount(); }
  const SwapDeviceStats& stats() const { return stats_; }
  DeviceHoldings holdings() const;

  // A SwapRegion's threads own the device while attached; JS entry points refuse.
  void claim() { claimed_.store(true, std::memory_order_relaxed); }
  void release() { claimed_.store(false, std::memory_order_relaxed); }
  bool claimed() const { return claimed_.load(std::memory_order_relaxed); }

  uint32_t allocSlot();            // kNoSlot when full
  void releaseSlot(uint32_t slot);  // discards per the mode (or later, if async I/O is pending on it)

  // One page, synchronously; 0 or -errno. `page` may be any address: one not
  // aligned for O_DIRECT goes through an aligned bounce page.
  int writeSlot(uint32_t slot, const uint8_t* page);
  int readSlot(uint32_t slot, uint8_t* page);
  // Accounting of I/O done elsewhere (io_uring) on this device.
  void countIo(bool write, int res);

  // Discards every stale slot now (a batched mode's remainder); returns pages discarded.
  uint32_t flushDiscards();

  // Idempotent: drains async I/O, closes the descriptor. Later use is ERR_DEVICE_CLOSED.
  void close();

  // --- async I/O (uring_queue.h) ---
  void setInflightOwner(InflightOwner* owner) { inflightOwner_ = owner; }
  bool hasInflightOwner() const { return inflightOwner_ != nullptr; }
  void quiesce() {
    if (inflightOwner_) inflightOwner_->drainAll();
  }
  // Async ops pending on a slot hold its discard back until the last completes.
  void markBusy(uint32_t slot) { busy_[slot]++; }
  void markIdle(uint32_t slot);
  // Alignment a buffer handed to the kernel must have.
  uint32_t memAlign() const { return memAlign_; }

 private:
  SwapDevice() = default;
  enum class SlotState : uint8_t { Clean = 0, InUse = 1, Stale = 2 };
  void discardNow(const uint32_t* slots, size_t n);
  void discardOne(uint32_t slot) { discardNow(&slot, 1); }
  uint8_t* bounce();

  std::string path_;
  DeviceKind kind_ = DeviceKind::File;
  dev_t rdev_ = 0;
  int fd_ = -1;
  std::atomic<bool> claimed_{false};
  uint32_t pageSize_ = 0, capacity_ = 0, blockSize_ = 512, memAlign_ = 4096;
  uint64_t deviceBytes_ = 0;
  DiscardMode discard_ = DiscardMode::None;
  uint32_t discardBatch_ = 0;
  SlotAllocator slots_{0};
  std::vector<SlotState> state_;
  std::vector<uint32_t> busy_;
  std::vector<uint32_t> pendingDiscard_;  // Batched, or Immediate slots that were busy
  SwapDeviceStats stats_;
  InflightOwner* inflightOwner_ = nullptr;
  std::unique_ptr<uint8_t, void (*)(void*)> bounce_{nullptr, free};
};

}  // namespace frontswap
