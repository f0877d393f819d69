#include "frontswap_backend.h"

#include <cstring>

namespace frontswap {

Code FrontswapBackend::attach(Frontswap* fs, uint32_t type, std::unique_ptr<FrontswapBackend>* out) {
  PagePool& pool = fs->pool();
  if (pool.closed()) return Code::PoolClosed;
  if (type >= Frontswap::kTypes) return Code::OutOfRange;
  if (pool.pageSize() != 4096) return Code::OutOfRange;
  if (pool.claimed()) return Code::RegionAttached;
  if (fs->initializedTypes() & (1u << type)) return Code::TypeAlreadyInitialized;
  pool.quiesce();  // the JS thread's async copies on this pool land first
  Code c = fs->init(type);
  if (c != Code::Ok) return c;
  pool.claim();
  out->reset(new FrontswapBackend(fs, type));
  return Code::Ok;
}

FrontswapBackend::FrontswapBackend(Frontswap* fs, uint32_t type)
    : fs_(fs), mapping_(fs->pool().mapping()), base_(mapping_->data()), type_(type) {}

FrontswapBackend::~FrontswapBackend() {
  // Runs on the JS thread once the region's threads are joined.
  fs_->pool().release();
  fs_->invalidateArea(type_);  // the type closes and its slots go back (a no-op once the pool closed)
}

const uint8_t* FrontswapBackend::fetch(uint32_t page, bool* kept) {
  uint32_t slot = fs_->planLoad(type_, page);
  *kept = !fs_->exclusiveGets();
  // An exclusive load freed the slot already; nothing reuses it before the
  // caller's copy: only the region allocates on a claimed pool, under its lock.
  return slot == kNoSlot ? nullptr : base_ + size_t(slot) * 4096;
}

uint8_t* FrontswapBackend::planStore(uint32_t page) {
  uint32_t slot = fs_->planStore(type_, page);
  return slot == kNoSlot ? nullptr : base_ + size_t(slot) * 4096;
}

void FrontswapBackend::forget(uint32_t page) { fs_->planInvalidate(type_, page); }

PreparedPageBackend::PreparedPageBackend(uint32_t pageSize)
    : pageSize_(pageSize), page_(new uint8_t[pageSize]), scratch_(new uint8_t[pageSize]) {
  for (uint32_t i = 0; i < pageSize; i++) page_[i] = uint8_t(i * 131 + 7);
}

}  // namespace frontswap
