// The page pool: one anonymous mapping cut into equal page slots. It owns the
// memory and the slot allocator; who holds which slot is the front-ends' business.
// Every method but page() and cancelled() runs on the owning JS thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mapping.h"
#include "slot_allocator.h"
#include "status.h"

namespace frontswap {

enum class SlotOwner : uint8_t { Free = 0, Frontswap = 1, Reserved = 2 };

// Something that may still be copying into or out of a pool (the copy engine).
class InflightOwner {
 public:
  // Returns once every copy it was handed has landed and been accounted for.
  virtual void drainAll() = 0;
  // Accounts the copies that have landed, without waiting for the rest.
  virtual void reap() = 0;

 protected:
  ~InflightOwner() = default;
};

class PagePool {
 public:
  static constexpr uint32_t kMinPageSize = 4096;
  static constexpr uint32_t kMaxPageSize = 2u << 20;

  enum class Streaming : uint8_t { Auto, Off, On };
  struct Options {
    uint32_t pageSize = 4096;
    uint32_t pages = 0;
    BackingRequest backing = BackingRequest::Auto;
    bool prefault = true;
    Streaming streamStores = Streaming::Auto;
    int numaNode = -1;  // >= 0: the pages are bound to this node before fault-in
  };

  static Code create(const Options& options, std::shared_ptr<PagePool>* out, std::string* message);
  ~PagePool();

  uint32_t pageSize() const { return pageSize_; }
  uint32_t capacity() const { return capacity_; }
  size_t byteLength() const { return size_t(pageSize_) * capacity_; }
  size_t mappedBytes() const { return mappedBytes_; }
  Backing backing() const { return backing_; }
  bool streamStores() const { return streamStores_; }
  const void* baseAddress() const { return base_; }
  // The NUMA node the pool's pages are on now (numa.h: kNoNode, kMixedNodes).
  int pagesNode() const;
  bool closed() const { return closed_; }
  bool mapped() const { return map_ != nullptr; }

  uint32_t usedPages() const { return capacity_ - slots_.freeCount(); }
  // Bookkeeping beyond the pages: the free-slot stack and the slot owners.
  size_t metadataBytes() const { return sizeof(*this) + size_t(capacity_) * (sizeof(uint32_t) + sizeof(SlotOwner)); }
  uint32_t freePages() const { return slots_.freeCount(); }
  uint8_t* page(uint32_t slot) const { return base_ + size_t(slot) * pageSize_; }

  uint32_t allocSlot(SlotOwner owner);  // kNoSlot when the pool is full
  void releaseSlot(uint32_t slot);
  SlotOwner owner(uint32_t slot) const { return owners_[slot]; }

  // Hands out `count` zeroed slots for raw engine copies; false (and nothing
  // taken) when fewer are free.
  bool reserve(uint32_t count, uint32_t* slotsOut);

  // Idempotent. Unmaps now, or once the engine's last copy on this pool is reaped.
  void close();
  // Accounts copies that already landed (which may let a closed pool's mapping go).
  void reapLanded() {
    if (inflight_) inflightOwner_->reap();
  }
  // The mapping, for work that must keep it alive while it copies; null once released.
  std::shared_ptr<Mapping> mapping() const { return map_; }

  // --- in-flight copies (copy engine) ---
  void beginInflight(InflightOwner* owner, uint64_t count);
  void endInflight(uint64_t count);
  uint64_t inflight() const { return inflight_; }
  // Sync operations call this first so they never overtake an issued async copy.
  void quiesce() {
    if (inflight_) inflightOwner_->drainAll();
  }
  // Workers skip copies for a pool that was closed under them.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  // A SwapRegion's threads own the slot allocator while it is attached; JS
  // entry points refuse (ERR_REGION_ATTACHED). See frontswap_backend.h.
  void claim() { claimed_.store(true, std::memory_order_relaxed); }
  void release() { claimed_.store(false, std::memory_order_relaxed); }
  bool claimed() const { return claimed_.load(std::memory_order_relaxed); }

  // Called with the mapped byte count when the mapping is released (the glue
  // returns it to V8's external-memory accounting).
  std::function<void(size_t)> onUnmap;

 private:
  PagePool(Mapping&& map, uint32_t pageSize, uint32_t capacity, bool streamStores);
  void unmapNow();

  // Shared with work that copies outside the engine's accounting (the naive
  // baseline on libuv's pool): the memory goes when the last holder lets go.
  std::shared_ptr<Mapping> map_;
  uint8_t* base_;
  uint32_t pageSize_;
  uint32_t capacity_;
  size_t mappedBytes_;
  Backing backing_;
  bool streamStores_;
  bool closed_ = false;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> claimed_{false};
  SlotAllocator slots_;
  std::vector<SlotOwner> owners_;
  InflightOwner* inflightOwner_ = nullptr;
  uint64_t inflight_ = 0;
};

}  // namespace frontswap
