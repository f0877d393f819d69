#include "region_uring.h"

#include <cerrno>
#include <cstring>

#include "swap_device.h"

namespace frontswap {

Code RegionUring::create(std::shared_ptr<SwapDevice> device, uint32_t depth, std::unique_ptr<RegionUring>* out,
                         std::string* why) {
  std::unique_ptr<RegionUring> r(new RegionUring());
  r->pageSize_ = device->pageSize();
  Code c = UringQueue::create(std::move(device), depth, r.get(), &r->q_, why, false);
  if (c != Code::Ok) return c;
  r->src_.reserve(depth);
  r->results_.reserve(depth);
  *out = std::move(r);
  return Code::Ok;
}

RegionUring::~RegionUring() {
  if (q_) q_->drainAll();
}

void RegionUring::queue(uint32_t slot, const uint8_t* src) {
  uint64_t tag = src_.size();
  src_.push_back(src);
  results_.push_back(-EINPROGRESS);
  q_->push(true, slot, tag);
}

void RegionUring::submit() { q_->submit(); }

void RegionUring::waitForCompletions() { q_->waitReady(); }

bool RegionUring::reap() {
  q_->reap();
  return q_->pending() == 0;
}

void RegionUring::clear() {
  src_.clear();
  results_.clear();
}

int RegionUring::prepare(uint64_t tag, bool, uint8_t* staging) {
  std::memcpy(staging, src_[tag], pageSize_);
  return 0;
}

void RegionUring::complete(uint64_t tag, bool, int res, const uint8_t*) { results_[tag] = res; }

}  // namespace frontswap
