#include "frontswap_backend.h"

#include <cstdlib>
#include <cstring>

namespace frontswap {
namespace {

void setClaim(Frontswap* fs, bool on) {
  if (fs->hasPool()) {
    if (on) fs->pool().claim();
    else fs->pool().release();
  } else {
    if (on) fs->device()->claim();
    else fs->device()->release();
  }
}

}  // namespace

Code FrontswapBackend::attach(Frontswap* fs, uint32_t type, std::unique_ptr<FrontswapBackend>* out) {
  Code closed = fs->backend().closedCode();
  if (closed != Code::Ok) return closed;
  if (type >= Frontswap::kTypes) return Code::OutOfRange;
  if (fs->pageSize() != 4096) return Code::OutOfRange;
  if (fs->backend().claimed()) return Code::RegionAttached;
  if (fs->initializedTypes() & (1u << type)) return Code::TypeAlreadyInitialized;
  fs->backend().quiesce();  // the JS thread's async copies and I/O land first
  Code c = fs->init(type);
  if (c != Code::Ok) return c;
  setClaim(fs, true);
  if (fs->hasPool()) out->reset(new PoolFrontswapBackend(fs, type));
  else out->reset(new DeviceFrontswapBackend(fs, type));
  return Code::Ok;
}

FrontswapBackend::~FrontswapBackend() {
  // Runs on the JS thread once the region's threads are joined.
  setClaim(fs_, false);
  fs_->invalidateArea(type_);  // the type closes and its slots go back (a no-op once closed)
}

PoolFrontswapBackend::PoolFrontswapBackend(Frontswap* fs, uint32_t type)
    : FrontswapBackend(fs, type), mapping_(fs->pool().mapping()), base_(mapping_->data()) {}

const uint8_t* PoolFrontswapBackend::fetch(uint32_t page, bool* kept) {
  uint32_t slot = fs_->planLoad(type_, page);
  *kept = !fs_->exclusiveGets();
  // An exclusive load freed the slot already; nothing reuses it before the
  // caller's copy: only the region allocates on a claimed pool, under its lock.
  return slot == kNoSlot ? nullptr : base_ + size_t(slot) * 4096;
}

uint8_t* PoolFrontswapBackend::planStore(uint32_t page) {
  uint32_t slot = fs_->planStore(type_, page);
  return slot == kNoSlot ? nullptr : base_ + size_t(slot) * 4096;
}

DeviceFrontswapBackend::DeviceFrontswapBackend(Frontswap* fs, uint32_t type) : FrontswapBackend(fs, type) {
  fetchPage_ = staging();
}

DeviceFrontswapBackend::~DeviceFrontswapBackend() {
  for (uint8_t* p : all_) std::free(p);
}

uint8_t* DeviceFrontswapBackend::staging() {
  if (!free_.empty()) {
    uint8_t* p = free_.back();
    free_.pop_back();
    return p;
  }
  void* p = nullptr;
  if (posix_memalign(&p, 4096, 4096) != 0) return nullptr;  // O_DIRECT wants aligned pages
  all_.push_back(static_cast<uint8_t*>(p));
  return static_cast<uint8_t*>(p);
}

const uint8_t* DeviceFrontswapBackend::fetch(uint32_t page, bool* kept) {
  uint32_t slot = fs_->find(type_, page);
  if (slot == kNoSlot || !fetchPage_) return nullptr;
  int e = fs_->backend().read(slot, fetchPage_);
  if (e != 0) {
    // The bytes are gone; the page faults in as zeros. Counted (the kernel would SIGBUS).
    ioErrors_++;
    fs_->loseSlot(type_, page, slot);
    return nullptr;
  }
  fs_->planLoad(type_, page);  // the counters, and an exclusive get frees the slot
  *kept = !fs_->exclusiveGets();
  return fetchPage_;
}

uint8_t* DeviceFrontswapBackend::planStore(uint32_t page) {
  uint8_t* buf = staging();
  if (!buf) return nullptr;
  if (fs_->planStore(type_, page) == kNoSlot) {
    free_.push_back(buf);
    return nullptr;
  }
  return buf;
}

bool DeviceFrontswapBackend::commitStore(uint32_t page, uint8_t* dst) {
  uint32_t slot = fs_->find(type_, page);
  int e = slot == kNoSlot ? -1 : fs_->backend().write(slot, dst);
  free_.push_back(dst);
  if (slot == kNoSlot) {
    ioErrors_++;
    return false;
  }
  return commitWrite(page, slot, e);
}

bool DeviceFrontswapBackend::commitWrite(uint32_t page, uint32_t slot, int res) {
  if (res == 0) return true;
  ioErrors_++;
  fs_->loseSlot(type_, page, slot);  // the slot's bytes are unknown: no key may claim them
  return false;
}

PreparedPageBackend::PreparedPageBackend(uint32_t pageSize)
    : pageSize_(pageSize), page_(new uint8_t[pageSize]), scratch_(new uint8_t[pageSize]) {
  for (uint32_t i = 0; i < pageSize; i++) page_[i] = uint8_t(i * 131 + 7);
}

}  // namespace frontswap
