#include "page_pool.h"

#include <cstring>

#include "machine_facts.h"
#include "numa.h"
#include "page_copy.h"

namespace frontswap {

Code PagePool::create(const Options& opt, std::shared_ptr<PagePool>* out, std::string* message) {
  if (opt.pageSize < kMinPageSize || opt.pageSize > kMaxPageSize || (opt.pageSize & (opt.pageSize - 1))) {
    *message = "pageSize must be a power of two from 4096 to 2097152";
    return Code::OutOfRange;
  }
  if (opt.pages == 0 || opt.pages == kNoSlot) {
    *message = "pages must be an integer from 1 to 4294967294";
    return Code::OutOfRange;
  }
  Mapping::Options mo;
  mo.bytes = size_t(opt.pageSize) * opt.pages;
  mo.backing = opt.backing;
  mo.prefault = opt.prefault;
  if (opt.numaNode >= 0 && !nodeHasMemory(opt.numaNode)) {
    *message = "NUMA node " + std::to_string(opt.numaNode) + " does not exist or has no memory (/sys/devices/system/node/has_memory)";
    return Code::NumaNodeUnavailable;
  }
  mo.numaNode = opt.numaNode;
  Mapping map;
  Code c = Mapping::create(mo, &map, message);
  if (c != Code::Ok) return c;
  bool stream = opt.streamStores == Streaming::On;
  if (opt.streamStores == Streaming::Auto) {
    size_t llc = lastLevelCacheBytes();
    stream = llc != 0 && mo.bytes > 2 * llc;  // the page will be evicted before anyone reads it
  }
  out->reset(new PagePool(std::move(map), opt.pageSize, opt.pages, stream));
  return Code::Ok;
}

PagePool::PagePool(Mapping&& map, uint32_t pageSize, uint32_t capacity, bool streamStores)
    : map_(std::make_shared<Mapping>(std::move(map))),
      base_(map_->data()),
      pageSize_(pageSize),
      capacity_(capacity),
      mappedBytes_(map_->mappedBytes()),
      backing_(map_->backing()),
      streamStores_(streamStores),
      slots_(capacity),
      owners_(capacity, SlotOwner::Free) {}

PagePool::~PagePool() { unmapNow(); }

int PagePool::pagesNode() const {
  if (!map_) return kNoNode;
  const size_t step = backing_ == Backing::Normal ? size_t(4096) : kHugePageBytes;
  return frontswap::pagesNode(base_, byteLength(), step);
}

uint32_t PagePool::allocSlot(SlotOwner owner) {
  uint32_t s = slots_.alloc();
  if (s != kNoSlot) owners_[s] = owner;
  return s;
}

void PagePool::releaseSlot(uint32_t slot) {
  owners_[slot] = SlotOwner::Free;
  slots_.release(slot);
}

bool PagePool::reserve(uint32_t count, uint32_t* slotsOut) {
  if (closed_ || count > slots_.freeCount()) return false;
  quiesce();  // a slot may still be the target of a copy issued before it was freed
  for (uint32_t i = 0; i < count; i++) {
    uint32_t s = allocSlot(SlotOwner::Reserved);
    std::memset(page(s), 0, pageSize_);  // never hand out another owner's bytes
    slotsOut[i] = s;
  }
  return true;
}

void PagePool::close() {
  if (closed_) return;
  closed_ = true;
  cancelled_.store(true, std::memory_order_relaxed);
  reapLanded();
  if (inflight_ == 0) unmapNow();
}

void PagePool::beginInflight(InflightOwner* owner, uint64_t count) {
  if (inflight_ && inflightOwner_ != owner) inflightOwner_->drainAll();  // one engine at a time
  inflightOwner_ = owner;
  inflight_ += count;
}

void PagePool::endInflight(uint64_t count) {
  inflight_ -= count;
  if (inflight_ == 0) {
    inflightOwner_ = nullptr;
    if (closed_) unmapNow();
  }
}

void PagePool::unmapNow() {
  if (!map_) return;
  size_t bytes = map_->mappedBytes();
  map_.reset();
  if (onUnmap) onUnmap(bytes);
}

}  // namespace frontswap
