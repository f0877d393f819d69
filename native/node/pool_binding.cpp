// PagePool handle: creation (with the backing request), occupancy, close, the
// smaps probe, and raw slot reservations for the engine's raw copies. Nothing
// here is on a copy's path: written with node-addon-api.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/page_pool.h"
#include "../core/smaps.h"
#include "bindings.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

struct PoolState {
  std::shared_ptr<PagePool> pool;
  // The engine holds a pool until it has reaped its copies; reap now, or a
  // collected pool would stay mapped until that engine's next reap.
  ~PoolState() { pool->reapLanded(); }
};

PagePool& poolOf(const Napi::CallbackInfo& info) { return *static_cast<PoolState*>(info.Data())->pool; }

// The pool of a method call, or ERR_POOL_CLOSED.
PagePool& openPool(const Napi::CallbackInfo& info) {
  PagePool& p = poolOf(info);
  if (p.closed()) throw codeError(info.Env(), Code::PoolClosed);
  return p;
}

// The pool of a call that takes or gives slots: a SwapRegion's threads own the
// allocator while one is attached (frontswap_backend.h).
PagePool& unclaimedPool(const Napi::CallbackInfo& info) {
  PagePool& p = openPool(info);
  if (p.claimed()) throw codeError(info.Env(), Code::RegionAttached);
  return p;
}

Napi::Value usedPages(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), openPool(info).usedPages()); }

Napi::Value freePages(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), openPool(info).freePages()); }

Napi::Value close(const Napi::CallbackInfo& info) {
  poolOf(info).close();
  return info.Env().Undefined();
}

Napi::Value isClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), poolOf(info).closed()); }

Napi::Value memoryUsage(const Napi::CallbackInfo& info) {
  PagePool& p = openPool(info);
  VmaUsage u = readVmaUsage(p.baseAddress());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("mappedBytes", double(p.mappedBytes()));
  o.Set("residentBytes", double(u.rssBytes + u.hugetlbBytes));
  o.Set("kernelPageSize", double(u.kernelPageBytes));
  o.Set("anonHugeBytes", double(u.anonHugeBytes));
  o.Set("hugetlbBytes", double(u.hugetlbBytes));
  o.Set("metadataBytes", double(p.metadataBytes()));
  return o;
}

Napi::Value reserve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool& p = unclaimedPool(info);
  uint32_t count;
  if (!toU32(env, info[0], "count", p.capacity(), &count)) rethrow(env);
  if (count > p.freePages()) return env.Null();
  Napi::Uint32Array slots = Napi::Uint32Array::New(env, count);
  p.reserve(count, slots.Data());
  return slots;
}

Napi::Value release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool& p = unclaimedPool(info);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    throw codeError(env, Code::InvalidArg, "slots must be a Uint32Array");
  Napi::Uint32Array slots = info[0].As<Napi::Uint32Array>();
  std::vector<uint32_t> sorted(slots.Data(), slots.Data() + slots.ElementLength());
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); i++) {  // all or nothing: check every slot before freeing one
    if (sorted[i] >= p.capacity() || p.owner(sorted[i]) != SlotOwner::Reserved || (i && sorted[i] == sorted[i - 1]))
      throw codeError(env, Code::SlotNotReserved, sorted[i]);
  }
  p.quiesce();  // raw copies on these slots land before they are reused
  for (uint32_t s : sorted) p.releaseSlot(s);
  return env.Undefined();
}

// Where the pages are now: the node, -1 unknown, -2 spread over several.
Napi::Value numaNode(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), openPool(info).pagesNode()); }

// flushPages(slots: Uint32Array) -> cache lines flushed: the benchmark's cold state.
Napi::Value flushPages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool& p = openPool(info);
  size_t count;
  const uint32_t* slots = pageIndices(env, info[0], p.capacity(), &count);
  p.quiesce();  // no copy in flight refills a line after it was flushed
  return Napi::Number::New(env, double(flushPageList(p.page(0), p.pageSize(), slots, count)));
}

BackingRequest backingArg(Napi::Env env, Napi::Value v) {
  if (!v.IsString()) throw codeError(env, Code::InvalidArg, "backing must be a string");
  const std::string b = v.As<Napi::String>().Utf8Value();
  if (b == "auto") return BackingRequest::Auto;
  if (b == "hugetlb") return BackingRequest::Hugetlb;
  if (b == "thp") return BackingRequest::Thp;
  if (b == "normal") return BackingRequest::Normal;
  throw codeError(env, Code::OutOfRange, "backing must be 'auto', 'hugetlb', 'thp' or 'normal'");
}

}  // namespace

std::shared_ptr<PagePool>* poolFromHandle(napi_env env, napi_value handle) {
  void* s = untag(env, handle, &kPoolTag, "pool");
  return s ? &static_cast<PoolState*>(s)->pool : nullptr;
}

// createPool(pageSize, pages, backing, prefault, streamStores, numaNode: -1 for none)
Napi::Value createPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PagePool::Options o;
  uint32_t pages, stream;
  if (!toU32(env, info[0], "pageSize", PagePool::kMaxPageSize, &o.pageSize)) rethrow(env);
  if (!toU32(env, info[1], "pages", UINT32_MAX - 1, &pages)) rethrow(env);
  o.pages = pages;
  o.backing = backingArg(env, info[2]);
  if (!toBool(env, info[3], "prefault", &o.prefault)) rethrow(env);
  if (!toU32(env, info[4], "streamStores", 2, &stream)) rethrow(env);
  o.streamStores = PagePool::Streaming(stream);
  if (!info[5].IsNumber() || info[5].As<Napi::Number>().DoubleValue() != -1) {
    uint32_t node;
    if (!toU32(env, info[5], "numaNode", 1023, &node)) rethrow(env);
    o.numaNode = int(node);
  }
  if (o.pageSize < PagePool::kMinPageSize || (o.pageSize & (o.pageSize - 1)))
    throw codeError(env, Code::OutOfRange, "pageSize must be a power of two from 4096 to 2097152");
  if (pages == 0) throw codeError(env, Code::OutOfRange, "pages must be at least 1");

  std::shared_ptr<PagePool> pool;
  std::string why;
  Code c = PagePool::create(o, &pool, &why);
  if (c != Code::Ok) throw codeError(env, c, why);
  // The mapping is memory V8 cannot see; tell it, so GC pressure is honest.
  Napi::MemoryManagement::AdjustExternalMemory(env, int64_t(pool->mappedBytes()));
  napi_env raw = env;
  pool->onUnmap = [raw](size_t bytes) {
    int64_t a;
    napi_adjust_external_memory(raw, -int64_t(bytes), &a);  // may run in a finalizer: no C++ exceptions
  };

  PoolState* state = new PoolState{std::move(pool)};
  PagePool* p = state->pool.get();
  napi_value h = boundObject(env, state, [](void* s) { delete static_cast<PoolState*>(s); },
                             {{"usedPages", nullptr, usedPages},
                              {"freePages", nullptr, freePages},
                              {"close", nullptr, close},
                              {"isClosed", nullptr, isClosed},
                              {"memoryUsage", nullptr, memoryUsage},
                              {"reserve", nullptr, reserve},
                              {"release", nullptr, release},
                              {"numaNode", nullptr, numaNode},
                              {"flushPages", nullptr, flushPages}});
  if (!h || !tag(env, h, &kPoolTag)) rethrow(env);
  Napi::Object handle(env, h);
  handle.Set("pageSize", p->pageSize());
  handle.Set("capacity", p->capacity());
  handle.Set("byteLength", double(p->byteLength()));
  handle.Set("mappedBytes", double(p->mappedBytes()));
  handle.Set("backing", backingName(p->backing()));
  handle.Set("streamStores", p->streamStores());
  return handle;
}

}  // namespace napi
}  // namespace frontswap
