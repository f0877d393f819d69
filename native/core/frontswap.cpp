#include "frontswap.h"

#include <cstring>

#include "page_copy.h"

namespace frontswap {

int PoolBackend::write(uint32_t slot, const uint8_t* page) {
  copyPage(pool_->page(slot), page, pool_->pageSize(), pool_->streamStores());
  return 0;
}

int PoolBackend::read(uint32_t slot, uint8_t* page) {
  copyPage(page, pool_->page(slot), pool_->pageSize(), false);
  return 0;
}

Frontswap::Frontswap(std::shared_ptr<PagePool> pool, bool exclusiveGets)
    : pool_(pool), backend_(new PoolBackend(std::move(pool))), exclusiveGets_(exclusiveGets) {
  poolBackend_ = static_cast<PoolBackend*>(backend_.get());
}

Frontswap::Frontswap(std::shared_ptr<SwapDevice> device, bool exclusiveGets)
    : device_(device), backend_(new DeviceBackend(std::move(device))), exclusiveGets_(exclusiveGets) {}

Frontswap::~Frontswap() {
  backend_->quiesce();
  for (uint32_t t = 0; t < kTypes; t++) maps_[t].drain([this](uint32_t slot) { backend_->releaseSlot(slot); });
}

size_t Frontswap::mapBytes() const {
  size_t n = 0;
  for (const SwapMap& m : maps_) n += m.bytes();
  return n;
}

Code Frontswap::init(uint32_t type) {
  Code closed = backend_->closedCode();
  if (closed != Code::Ok) return closed;
  if (backend_->claimed()) return Code::RegionAttached;
  if (type >= kTypes) return Code::OutOfRange;
  if (initMask_ & (1u << type)) return Code::TypeAlreadyInitialized;
  initMask_ |= 1u << type;
  return Code::Ok;
}

Code Frontswap::invalidateArea(uint32_t type) {
  Code c = check(type);
  if (c != Code::Ok) return c;
  uint32_t n = maps_[type].size();
  // Slots go back to the pool now; a copy still in flight on one of them lands
  // before any later copy to it (same engine worker) or before any sync use (quiesce).
  maps_[type].drain([this](uint32_t slot) { backend_->releaseSlot(slot); });
  initMask_ &= ~(1u << type);
  stats_.areaInvalidates++;
  stats_.areaInvalidatedPages += n;
  stats_.storedPages -= n;
  return Code::Ok;
}

template <typename B>
uint32_t Frontswap::planStoreOn(B& b, uint32_t type, uint32_t offset) {
  SwapMap& m = maps_[type];
  uint32_t slot = m.find(offset);
  if (slot != kNoSlot) {  // duplicate store: overwrite in place, never leave the old copy
    stats_.succStores++;
    stats_.duplicateStores++;
    return slot;
  }
  slot = b.allocSlot();
  if (slot == kNoSlot) {
    stats_.failedStores++;
    return kNoSlot;
  }
  m.insert(offset, slot);
  stats_.succStores++;
  stats_.storedPages++;
  return slot;
}

template <typename B>
uint32_t Frontswap::planLoadOn(B& b, uint32_t type, uint32_t offset) {
  SwapMap& m = maps_[type];
  return settleLoad(b, exclusiveGets_ ? m.erase(offset) : m.find(offset));
}

template <typename B>
uint32_t Frontswap::settleLoad(B& b, uint32_t slot) {
  if (slot == kNoSlot) {
    stats_.failedLoads++;
    return kNoSlot;
  }
  stats_.loads++;
  if (exclusiveGets_) {
    // Freed now; its copy-out is ordered before any reuse of the slot.
    b.releaseSlot(slot);
    stats_.exclusiveLoads++;
    stats_.storedPages--;
  }
  return slot;
}

uint32_t Frontswap::planStore(uint32_t type, uint32_t offset) {
  return onBackend([&](auto& b) { return planStoreOn(b, type, offset); });
}

uint32_t Frontswap::planLoad(uint32_t type, uint32_t offset) {
  return onBackend([&](auto& b) { return planLoadOn(b, type, offset); });
}

bool Frontswap::planInvalidate(uint32_t type, uint32_t offset) {
  uint32_t slot = maps_[type].erase(offset);
  if (slot == kNoSlot) return false;
  backend_->releaseSlot(slot);
  stats_.invalidates++;
  stats_.storedPages--;
  return true;
}

void Frontswap::loseSlot(uint32_t type, uint32_t offset, uint32_t slot) {
  stats_.ioErrors++;
  if (type >= kTypes || maps_[type].find(offset) != slot) return;  // freed or replaced since
  maps_[type].erase(offset);
  backend_->releaseSlot(slot);
  stats_.storedPages--;
  stats_.lostPages++;
}

Code Frontswap::store(uint32_t type, uint32_t offset, const uint8_t* page, bool* stored) {
  return onBackend([&](auto& b) { return storeOn(b, type, offset, page, stored); });
}

template <typename B>
Code Frontswap::storeOn(B& b, uint32_t type, uint32_t offset, const uint8_t* page, bool* stored) {
  Code c = checkOn(b, type);
  if (c != Code::Ok) return c;
  b.quiesce();
  uint32_t slot = planStoreOn(b, type, offset);
  *stored = slot != kNoSlot;
  if (*stored) {
    int r = b.write(slot, page);
    if (r < 0) {
      lastErrno_ = -r;
      loseSlot(type, offset, slot);
      *stored = false;
      return Code::IoError;
    }
  }
  return Code::Ok;
}

Code Frontswap::load(uint32_t type, uint32_t offset, uint8_t* page, bool* found) {
  return onBackend([&](auto& b) { return loadOn(b, type, offset, page, found); });
}

template <typename B>
Code Frontswap::loadOn(B& b, uint32_t type, uint32_t offset, uint8_t* page, bool* found) {
  Code c = checkOn(b, type);
  if (c != Code::Ok) return c;
  b.quiesce();
  // Read before planLoad(): an exclusive load frees the slot, and a device may
  // discard a freed slot at once.
  uint32_t slot = maps_[type].find(offset);
  if (slot != kNoSlot) {
    int r = b.read(slot, page);
    if (r < 0) {
      lastErrno_ = -r;
      loseSlot(type, offset, slot);
      *found = false;
      return Code::IoError;
    }
    if (exclusiveGets_) maps_[type].erase(offset);
  }
  // The slot was looked up once above: only an exclusive load touches the map again.
  *found = settleLoad(b, slot) != kNoSlot;
  return Code::Ok;
}

Code Frontswap::invalidatePage(uint32_t type, uint32_t offset, bool* removed) {
  Code c = check(type);
  if (c != Code::Ok) return c;
  *removed = planInvalidate(type, offset);
  return Code::Ok;
}

Code Frontswap::has(uint32_t type, uint32_t offset, bool* present) const {
  Code c = check(type);
  if (c != Code::Ok) return c;
  *present = maps_[type].find(offset) != kNoSlot;
  return Code::Ok;
}

}  // namespace frontswap
