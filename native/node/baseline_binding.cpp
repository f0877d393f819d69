// Baselines the benchmarks measure against, built from the same pool memory:
// a native memcpy loop (the limit), the naive async addon (one Promise per page
// through napi_async_work on libuv's pool), and the calling thread's CPU clock.
// They only touch slots reserved with pool.reserve(), never a front-end's pages.
#include <time.h>

#include <cstring>

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

bool reservedSlot(napi_env env, PagePool& p, uint32_t slot) {
  if (p.closed()) {
    throwCode(env, Code::PoolClosed);
    return false;
  }
  if (slot >= p.capacity() || p.owner(slot) != SlotOwner::Reserved) {
    throwCode(env, Code::SlotNotReserved, slot);
    return false;
  }
  return true;
}

// memcpyLoop(pool, slots: Uint32Array, view, iterations, toPool: boolean) -> ns per copy
napi_value memcpyLoop(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  args(env, info, 5, argv);
  std::shared_ptr<PagePool>* pp = poolFromHandle(env, argv[0]);
  if (!pp) return nullptr;
  PagePool& p = **pp;
  napi_typedarray_type t;
  size_t n;
  void* raw;
  if (napi_get_typedarray_info(env, argv[1], &t, &n, &raw, nullptr, nullptr) != napi_ok || t != napi_uint32_array || n == 0) {
    throwError(env, Code::InvalidArg, "slots must be a non-empty Uint32Array");
    return nullptr;
  }
  const uint32_t* slots = static_cast<const uint32_t*>(raw);
  for (size_t i = 0; i < n; i++)
    if (!reservedSlot(env, p, slots[i])) return nullptr;
  uint8_t* page;
  uint32_t iterations;
  bool toPool;
  if (!toPage(env, argv[2], p.pageSize(), &page) || !toU32(env, argv[3], "iterations", UINT32_MAX, &iterations) ||
      !toBool(env, argv[4], "toPool", &toPool))
    return nullptr;
  p.quiesce();
  const size_t ps = p.pageSize();
  uint64_t t0 = nowNs(CLOCK_MONOTONIC);
  for (uint32_t i = 0; i < iterations; i++) {
    uint8_t* slotMem = p.page(slots[i % n]);
    // Plain memcpy both ways: the limit a native addon author gets for free.
    if (toPool) std::memcpy(slotMem, page, ps);
    else std::memcpy(page, slotMem, ps);
  }
  uint64_t t1 = nowNs(CLOCK_MONOTONIC);
  return number(env, iterations ? double(t1 - t0) / iterations : 0);
}

struct NaiveWork {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  napi_ref view = nullptr;  // keeps the page alive while the copy is queued
  std::shared_ptr<Mapping> mapping;  // a close() while the copy is queued must not unmap under it
  uint8_t* dst = nullptr;
  const uint8_t* src = nullptr;
  size_t len = 0;
};

void naiveExecute(napi_env, void* data) {
  NaiveWork* w = static_cast<NaiveWork*>(data);
  std::memcpy(w->dst, w->src, w->len);
}

void naiveComplete(napi_env env, napi_status status, void* data) {
  NaiveWork* w = static_cast<NaiveWork*>(data);
  napi_value r;
  if (status == napi_ok) {
    napi_get_boolean(env, true, &r);
    napi_resolve_deferred(env, w->deferred, r);
  } else {
    r = makeError(env, Code::EngineClosed, "the copy was cancelled");
    napi_reject_deferred(env, w->deferred, r);
  }
  napi_delete_reference(env, w->view);
  napi_delete_async_work(env, w->work);
  delete w;
}

// naiveStoreAsync(pool, slot, view) -> Promise<true>: one napi_async_work per page.
napi_value naiveStoreAsync(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args(env, info, 3, argv);
  std::shared_ptr<PagePool>* pp = poolFromHandle(env, argv[0]);
  uint32_t slot;
  uint8_t* page;
  if (!pp || !toU32(env, argv[1], "slot", UINT32_MAX, &slot) || !reservedSlot(env, **pp, slot) ||
      !toPage(env, argv[2], (*pp)->pageSize(), &page))
    return nullptr;
  NaiveWork* w = new NaiveWork();
  w->mapping = (*pp)->mapping();
  w->dst = (*pp)->page(slot);
  w->src = page;
  w->len = (*pp)->pageSize();
  napi_value promise, name = string(env, "frontswap.naiveStore");
  napi_create_reference(env, argv[2], 1, &w->view);
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_async_work(env, nullptr, name, naiveExecute, naiveComplete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

napi_value threadCpuNs(napi_env env, napi_callback_info) { return number(env, double(nowNs(CLOCK_THREAD_CPUTIME_ID))); }

// V8's count of external memory (what napi_adjust_external_memory moves), which
// process.memoryUsage() does not show on this Node.
napi_value externalMemory(napi_env env, napi_callback_info) {
  int64_t v = 0;
  napi_adjust_external_memory(env, 0, &v);
  return number(env, double(v));
}

}  // namespace

void registerBaselines(napi_env env, napi_value exports) {
  napi_value o, fn;
  napi_create_object(env, &o);
  napi_create_function(env, "memcpyLoop", NAPI_AUTO_LENGTH, memcpyLoop, nullptr, &fn);
  napi_set_named_property(env, o, "memcpyLoop", fn);
  napi_create_function(env, "naiveStoreAsync", NAPI_AUTO_LENGTH, naiveStoreAsync, nullptr, &fn);
  napi_set_named_property(env, o, "naiveStoreAsync", fn);
  napi_set_named_property(env, exports, "baselines", o);
  napi_create_function(env, "threadCpuNs", NAPI_AUTO_LENGTH, threadCpuNs, nullptr, &fn);
  napi_set_named_property(env, exports, "threadCpuNs", fn);
  napi_create_function(env, "externalMemory", NAPI_AUTO_LENGTH, externalMemory, nullptr, &fn);
  napi_set_named_property(env, exports, "externalMemory", fn);
}

}  // namespace napi
}  // namespace frontswap
