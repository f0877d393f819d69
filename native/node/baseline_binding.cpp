// Baselines the benchmarks measure against, built from the same pool memory:
// a native memcpy loop (the limit), the naive async addon (one Promise per page
// through Napi::AsyncWorker on libuv's pool), and the calling thread's CPU clock.
// They only touch slots reserved with pool.reserve(), never a front-end's pages.
// None is on a hot path: written with node-addon-api.
#include <napi.h>
#include <time.h>

#include <cstring>

#include "../core/page_copy.h"
#include "bindings.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

uint64_t nowNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

PagePool& poolArg(Napi::Env env, Napi::Value v) {
  std::shared_ptr<PagePool>* pp = poolFromHandle(env, v);
  if (!pp) rethrow(env);
  return **pp;
}

void checkReserved(Napi::Env env, PagePool& p, uint32_t slot) {
  if (p.closed()) throw codeError(env, Code::PoolClosed);
  if (slot >= p.capacity() || p.owner(slot) != SlotOwner::Reserved) throw codeError(env, Code::SlotNotReserved, slot);
}

uint8_t* pageArg(Napi::Env env, Napi::Value v, size_t pageSize) {
  uint8_t* page;
  if (!toPage(env, v, pageSize, &page)) rethrow(env);
  return page;
}

uint32_t u32Arg(Napi::Env env, Napi::Value v, const char* name, uint32_t max) {
  uint32_t x;
  if (!toU32(env, v, name, max, &x)) rethrow(env);
  return x;
}

// memcpyLoop(pool, slots: Uint32Array, pages: view of whole pages, iterations, toPool: boolean, kernel) -> ns per copy
// kernel 0: glibc memcpy; 1: the pool's own page copy (copyPage, its streaming
// choice) with none of frontswap's bookkeeping — the limit the sync path can reach.
Napi::Value memcpyLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool& p = poolArg(env, info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      info[1].As<Napi::TypedArray>().ElementLength() == 0)
    throw codeError(env, Code::InvalidArg, "slots must be a non-empty Uint32Array");
  Napi::Uint32Array slotArray = info[1].As<Napi::Uint32Array>();
  const uint32_t* slots = slotArray.Data();
  const size_t n = slotArray.ElementLength();
  for (size_t i = 0; i < n; i++) checkReserved(env, p, slots[i]);
  // The source (or destination) pages: one or more whole pages, used in turn, as the cells use theirs.
  uint8_t* pages;
  size_t pagesLen;
  if (!toView(env, info[2], "pages", &pages, &pagesLen)) rethrow(env);
  if (pagesLen == 0 || pagesLen % p.pageSize() != 0)
    throw codeError(env, Code::BufferSize, "pages must be a whole number of the pool's pages");
  const size_t np = pagesLen / p.pageSize();
  uint32_t iterations = u32Arg(env, info[3], "iterations", UINT32_MAX);
  bool toPool;
  if (!toBool(env, info[4], "toPool", &toPool)) rethrow(env);
  const bool pageKernel = u32Arg(env, info[5], "kernel", 1) == 1;
  const bool stream = p.streamStores();
  p.quiesce();
  const size_t ps = p.pageSize();
  uint64_t t0 = nowNs(CLOCK_MONOTONIC);
  for (uint32_t i = 0; i < iterations; i++) {
    uint8_t* slotMem = p.page(slots[i % n]);
    uint8_t* page = pages + (i % np) * ps;
    if (pageKernel) {
      if (toPool) copyPage(slotMem, page, ps, stream);
      else copyPage(page, slotMem, ps, false);
    } else if (toPool) {
      std::memcpy(slotMem, page, ps);  // what a native addon author gets for free
    } else {
      std::memcpy(page, slotMem, ps);
    }
  }
  uint64_t t1 = nowNs(CLOCK_MONOTONIC);
  return Napi::Number::New(env, iterations ? double(t1 - t0) / iterations : 0);
}

// One page copied on libuv's pool, settled through a Promise: the naive async addon.
class NaiveStore : public Napi::AsyncWorker {
 public:
  NaiveStore(Napi::Env env, PagePool& pool, uint32_t slot, Napi::Value view, uint8_t* page)
      : Napi::AsyncWorker(env, "frontswap.naiveStore"),
        deferred_(Napi::Promise::Deferred::New(env)),
        view_(Napi::Persistent(view)),  // keeps the page alive while the copy is queued
        mapping_(pool.mapping()),       // a close() while the copy is queued must not unmap under it
        dst_(pool.page(slot)),
        src_(page),
        len_(pool.pageSize()) {}

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { std::memcpy(dst_, src_, len_); }
  void OnOK() override { deferred_.Resolve(Napi::Boolean::New(Env(), true)); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> view_;
  std::shared_ptr<Mapping> mapping_;
  uint8_t* dst_;
  const uint8_t* src_;
  size_t len_;
};

// naiveStoreAsync(pool, slot, view) -> Promise<true>: one async work item per page.
Napi::Value naiveStoreAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool& p = poolArg(env, info[0]);
  uint32_t slot = u32Arg(env, info[1], "slot", UINT32_MAX);
  checkReserved(env, p, slot);
  uint8_t* page = pageArg(env, info[2], p.pageSize());
  NaiveStore* w = new NaiveStore(env, p, slot, info[2], page);
  Napi::Promise promise = w->promise();
  w->Queue();  // deletes itself once complete
  return promise;
}

Napi::Value threadCpuNs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(nowNs(CLOCK_THREAD_CPUTIME_ID)));
}

// V8's count of external memory (what napi_adjust_external_memory moves), which
// process.memoryUsage() does not show on this Node.
Napi::Value externalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

}  // namespace

void registerBaselines(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("memcpyLoop", Napi::Function::New(env, memcpyLoop, "memcpyLoop"));
  o.Set("naiveStoreAsync", Napi::Function::New(env, naiveStoreAsync, "naiveStoreAsync"));
  exports.Set("baselines", o);
  exports.Set("threadCpuNs", Napi::Function::New(env, threadCpuNs, "threadCpuNs"));
  exports.Set("externalMemory", Napi::Function::New(env, externalMemory, "externalMemory"));
}

}  // namespace napi
}  // namespace frontswap
