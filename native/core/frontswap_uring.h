// The asynchronous operations of a device-backed Frontswap: each batch is
// checked and planned on the calling thread (the key map changes at submit, as
// with the copy engine), its reads and writes go through one UringQueue submit,
// and the batch finishes when its last I/O completes.
//
// An I/O error fails that op with -errno and leaves the others alone. The slot
// it hit is poisoned: later reads of it fail with the same errno until a write
// succeeds, and once nothing is pending on the slot, a key still mapped to it is
// dropped (Frontswap::loseSlot), so no key claims bytes it does not have.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "frontswap.h"
#include "uring_queue.h"

namespace frontswap {

enum class AsyncOpKind : uint8_t { Store = 0, Load = 1, Invalidate = 2 };

struct AsyncOp {
  AsyncOpKind kind;
  uint32_t type;
  uint32_t offset;
};

// Where a batch's pages are (the glue: JS views, resolved at submit). Called
// at submit and when an op completes, on the owning thread only.
class PageSource {
 public:
  // The page of op `index` of the batch submitted with `user`, or nullptr if it is gone.
  virtual uint8_t* page(uint64_t user, uint32_t index) = 0;

 protected:
  ~PageSource() = default;
};

class FrontswapUring final : private UringClient {
 public:
  static Code create(std::shared_ptr<Frontswap> fs, uint32_t depth, PageSource* pages,
                     std::unique_ptr<FrontswapUring>* out, std::string* message);
  ~FrontswapUring();  // drains

  // All ops are checked first: any bad one returns its code and changes nothing.
  // Otherwise sets *batch; results per op (1 stored/found/removed, 0 not, or
  // -errno) are in results(*batch), final once the batch is in takeFinished() —
  // or at once when *done (no I/O was needed; release() it after reading).
  Code submit(const AsyncOp* ops, size_t n, uint64_t user, uint32_t* batch, bool* done);
  // Batches whose last I/O completed since the last call (in completion order).
  void takeFinished(std::vector<uint32_t>* out) {
    out->swap(finished_);
    finished_.clear();
  }
  const std::vector<int32_t>& results(uint32_t batch) const { return batches_[batch].results; }
  uint64_t user(uint32_t batch) const { return batches_[batch].user; }
  void release(uint32_t batch);  // after its results were delivered

  // The pages are going away (the environment is closing): writes not yet
  // issued fail with -EFAULT instead of reading them.
  void forgetPages();

  UringQueue& queue() { return *queue_; }
  Frontswap& frontswap() { return *fs_; }
  size_t liveBatches() const { return batches_.size() - freeBatches_.size(); }

 private:
  struct Batch {
    std::vector<AsyncOp> ops;
    std::vector<uint32_t> slots;
    std::vector<const uint8_t*> sources;  // a store's page, resolved at submit (prepare() may run off-thread)
    std::vector<int32_t> results;
    uint64_t user = 0;
    uint32_t pending = 0;
  };
  struct Poison {
    uint32_t type, offset;
    int err;
  };

  FrontswapUring() = default;
  int prepare(uint64_t tag, bool write, uint8_t* staging) override;
  void complete(uint64_t tag, bool write, int res, const uint8_t* staging) override;
  void slotIdle(uint32_t slot) override;

  std::shared_ptr<Frontswap> fs_;
  PageSource* pages_ = nullptr;
  std::unique_ptr<UringQueue> queue_;
  std::vector<Batch> batches_;
  std::vector<uint32_t> freeBatches_;
  std::vector<uint32_t> finished_;
  // batches_' storage, sources, poison_ and pagesGone_ are read by prepare()
  // and change under the queue's lock.
  std::unordered_map<uint32_t, Poison> poison_;
  bool pagesGone_ = false;
};

}  // namespace frontswap
