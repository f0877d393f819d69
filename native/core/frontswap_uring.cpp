#include "frontswap_uring.h"

#include <cerrno>
#include <cstring>

namespace frontswap {

Code FrontswapUring::create(std::shared_ptr<Frontswap> fs, uint32_t depth, PageSource* pages,
                            std::unique_ptr<FrontswapUring>* out, std::string* message) {
  if (!fs->device()) {
    *message = "io_uring needs a device-backed Frontswap";
    return Code::InvalidArg;
  }
  std::unique_ptr<FrontswapUring> u(new FrontswapUring());
  u->fs_ = std::move(fs);
  u->pages_ = pages;
  Code c = UringQueue::create(u->fs_->device(), depth, u.get(), &u->queue_, message);
  if (c != Code::Ok) return c;
  *out = std::move(u);
  return Code::Ok;
}

FrontswapUring::~FrontswapUring() {
  if (queue_) queue_->drainAll();
  queue_.reset();  // before the batches and the poison map it calls back into
}

Code FrontswapUring::submit(const AsyncOp* ops, size_t n, uint64_t user, uint32_t* batchOut, bool* done) {
  for (size_t k = 0; k < n; k++) {
    if (uint8_t(ops[k].kind) > uint8_t(AsyncOpKind::Invalidate)) return Code::InvalidArg;
    Code c = fs_->check(ops[k].type);
    if (c != Code::Ok) return c;
  }
  uint32_t b = 0;
  // Under the queue's lock: a refill on another thread may be reading batches_.
  queue_->withLock([&] {
    if (!freeBatches_.empty()) {
      b = freeBatches_.back();
      freeBatches_.pop_back();
    } else {
      b = uint32_t(batches_.size());
      batches_.emplace_back();
    }
    Batch& batch = batches_[b];
    batch.ops.assign(ops, ops + n);
    batch.slots.assign(n, kNoSlot);
    batch.sources.assign(n, nullptr);
    batch.results.assign(n, 0);
    batch.user = user;
    batch.pending = 0;
    for (size_t k = 0; k < n; k++)
      if (ops[k].kind == AsyncOpKind::Store) batch.sources[k] = pages_->page(user, uint32_t(k));
  });
  Batch& batch = batches_[b];
  for (size_t k = 0; k < n; k++) {
    const AsyncOp& op = ops[k];
    const uint64_t tag = (uint64_t(b) << 32) | k;
    uint32_t slot = kNoSlot;
    bool write = true;
    switch (op.kind) {
      case AsyncOpKind::Store:
        slot = fs_->planStore(op.type, op.offset);
        break;
      case AsyncOpKind::Load:
        // Queue the read before planLoad(): an exclusive load frees the slot, and
        // the pending read holds the slot's discard back.
        slot = fs_->find(op.type, op.offset);
        write = false;
        break;
      case AsyncOpKind::Invalidate:
        batch.results[k] = fs_->planInvalidate(op.type, op.offset) ? 1 : 0;
        continue;
    }
    if (slot != kNoSlot) {
      batch.slots[k] = slot;  // before push(): a refill may issue the op at once
      batch.results[k] = 1;
      batch.pending++;
      queue_->push(write, slot, tag);
    }
    if (!write) fs_->planLoad(op.type, op.offset);
  }
  *batchOut = b;
  *done = batch.pending == 0;
  queue_->submit();
  return Code::Ok;
}

void FrontswapUring::forgetPages() {
  queue_->withLock([this] { pagesGone_ = true; });
}

void FrontswapUring::release(uint32_t b) {
  Batch& batch = batches_[b];
  batch.ops.clear();
  batch.slots.clear();
  batch.sources.clear();
  batch.results.clear();
  freeBatches_.push_back(b);
}

int FrontswapUring::prepare(uint64_t tag, bool write, uint8_t* staging) {
  Batch& batch = batches_[uint32_t(tag >> 32)];
  uint32_t k = uint32_t(tag);
  if (!write) {
    auto it = poison_.find(batch.slots[k]);
    return it == poison_.end() ? 0 : -it->second.err;
  }
  const uint8_t* src = pagesGone_ ? nullptr : batch.sources[k];
  if (!src) return -EFAULT;
  memcpy(staging, src, fs_->pageSize());
  return 0;
}

void FrontswapUring::complete(uint64_t tag, bool write, int res, const uint8_t* staging) {
  Batch& batch = batches_[uint32_t(tag >> 32)];
  uint32_t k = uint32_t(tag);
  const uint32_t slot = batch.slots[k];
  if (res < 0) {
    batch.results[k] = res;
    poison_[slot] = {batch.ops[k].type, batch.ops[k].offset, -res};
  } else if (write) {
    poison_.erase(slot);  // the slot holds whole, known bytes again
  } else if (uint8_t* dst = pages_->page(batch.user, k)) {
    memcpy(dst, staging, fs_->pageSize());
  } else {
    batch.results[k] = -EFAULT;  // the page went away (detached, or the environment is closing)
  }
  if (--batch.pending == 0) finished_.push_back(uint32_t(tag >> 32));
}

void FrontswapUring::slotIdle(uint32_t slot) {
  auto it = poison_.find(slot);
  if (it == poison_.end()) return;
  Poison p = it->second;
  poison_.erase(it);
  fs_->loseSlot(p.type, p.offset, slot);
}

}  // namespace frontswap
