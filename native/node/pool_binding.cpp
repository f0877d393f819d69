// PagePool handle: creation (with the backing request), occupancy, close, the
// smaps probe, and raw slot reservations for the engine's raw copies.
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

// A SwapRegion's threads own the allocator now (frontswap_backend.h).
bool attached(napi_env env, PagePool* p) {
  if (p->claimed()) throwError(env, Code::RegionAttached, "a SwapRegion owns this pool until region.close()");
  return p->claimed();
}

PagePool* open(napi_env env, void* data) {
  PagePool* p = static_cast<PoolState*>(data)->pool.get();
  if (p->closed()) {
    throwError(env, Code::PoolClosed, "the pool is closed");
    return nullptr;
  }
  return p;
}

napi_value usedPages(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  PagePool* p = open(env, data);
  return p ? number(env, p->usedPages()) : nullptr;
}

napi_value freePages(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  PagePool* p = open(env, data);
  return p ? number(env, p->freePages()) : nullptr;
}

napi_value close(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  static_cast<PoolState*>(data)->pool->close();
  return undefined(env);
}

napi_value isClosed(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  return boolean(env, static_cast<PoolState*>(data)->pool->closed());
}

napi_value memoryUsage(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  PagePool* p = open(env, data);
  if (!p) return nullptr;
  VmaUsage u = readVmaUsage(p->baseAddress());
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "mappedBytes", number(env, double(p->mappedBytes())));
  napi_set_named_property(env, o, "residentBytes", number(env, double(u.rssBytes + u.hugetlbBytes)));
  napi_set_named_property(env, o, "kernelPageSize", number(env, double(u.kernelPageBytes)));
  napi_set_named_property(env, o, "anonHugeBytes", number(env, double(u.anonHugeBytes)));
  napi_set_named_property(env, o, "hugetlbBytes", number(env, double(u.hugetlbBytes)));
  napi_set_named_property(env, o, "metadataBytes", number(env, double(p->metadataBytes())));
  return o;
}

napi_value reserve(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  args(env, info, 1, argv, &data);
  PagePool* p = open(env, data);
  uint32_t count;
  if (!p || !toU32(env, argv[0], "count", p->capacity(), &count) || attached(env, p)) return nullptr;
  if (count > p->freePages()) {
    napi_value nul;
    napi_get_null(env, &nul);
    return nul;
  }
  napi_value ab, arr;
  void* mem;
  if (napi_create_arraybuffer(env, size_t(count) * 4, &mem, &ab) != napi_ok) return nullptr;
  p->reserve(count, static_cast<uint32_t*>(mem));
  napi_create_typedarray(env, napi_uint32_array, count, ab, 0, &arr);
  return arr;
}

napi_value release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  args(env, info, 1, argv, &data);
  PagePool* p = open(env, data);
  if (!p || attached(env, p)) return nullptr;
  napi_typedarray_type t;
  size_t n;
  void* raw;
  if (napi_get_typedarray_info(env, argv[0], &t, &n, &raw, nullptr, nullptr) != napi_ok || t != napi_uint32_array) {
    throwError(env, Code::InvalidArg, "slots must be a Uint32Array");
    return nullptr;
  }
  const uint32_t* slots = static_cast<const uint32_t*>(raw);
  std::vector<uint32_t> sorted(slots, slots + n);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < n; i++) {  // all or nothing: check every slot before freeing one
    if (sorted[i] >= p->capacity() || p->owner(sorted[i]) != SlotOwner::Reserved || (i && sorted[i] == sorted[i - 1])) {
      throwError(env, Code::SlotNotReserved, "slot " + std::to_string(sorted[i]) + " is not a reserved slot of this pool");
      return nullptr;
    }
  }
  p->quiesce();  // raw copies on these slots land before they are reused
  for (uint32_t s : sorted) p->releaseSlot(s);
  return undefined(env);
}

void setNumber(napi_env env, napi_value o, const char* k, double v) { napi_set_named_property(env, o, k, number(env, v)); }

}  // namespace

std::shared_ptr<PagePool>* poolFromHandle(napi_env env, napi_value handle) {
  void* s = untag(env, handle, &kPoolTag, "pool");
  return s ? &static_cast<PoolState*>(s)->pool : nullptr;
}

// createPool(pageSize, pages, backing, prefault, streamStores)
napi_value createPool(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  args(env, info, 5, argv);
  PagePool::Options o;
  uint32_t pages;
  if (!toU32(env, argv[0], "pageSize", PagePool::kMaxPageSize, &o.pageSize)) return nullptr;
  if (!toU32(env, argv[1], "pages", UINT32_MAX - 1, &pages)) return nullptr;
  o.pages = pages;
  char backing[16] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[2], backing, sizeof backing, &len) != napi_ok) {
    throwError(env, Code::InvalidArg, "backing must be a string");
    return nullptr;
  }
  std::string b(backing, len);
  if (b == "auto") o.backing = BackingRequest::Auto;
  else if (b == "hugetlb") o.backing = BackingRequest::Hugetlb;
  else if (b == "thp") o.backing = BackingRequest::Thp;
  else if (b == "normal") o.backing = BackingRequest::Normal;
  else {
    throwError(env, Code::OutOfRange, "backing must be 'auto', 'hugetlb', 'thp' or 'normal'");
    return nullptr;
  }
  if (!toBool(env, argv[3], "prefault", &o.prefault)) return nullptr;
  uint32_t stream;
  if (!toU32(env, argv[4], "streamStores", 2, &stream)) return nullptr;
  o.streamStores = PagePool::Streaming(stream);
  if (o.pageSize < PagePool::kMinPageSize || (o.pageSize & (o.pageSize - 1))) {
    throwError(env, Code::OutOfRange, "pageSize must be a power of two from 4096 to 2097152");
    return nullptr;
  }
  if (pages == 0) {
    throwError(env, Code::OutOfRange, "pages must be at least 1");
    return nullptr;
  }

  std::shared_ptr<PagePool> pool;
  std::string why;
  Code c = PagePool::create(o, &pool, &why);
  if (c != Code::Ok) {
    throwError(env, c, why);
    return nullptr;
  }
  // The mapping is memory V8 cannot see; tell it, so GC pressure is honest.
  int64_t adjusted;
  napi_adjust_external_memory(env, int64_t(pool->mappedBytes()), &adjusted);
  pool->onUnmap = [env](size_t bytes) {
    int64_t a;
    napi_adjust_external_memory(env, -int64_t(bytes), &a);
  };

  PoolState* state = new PoolState{std::move(pool)};
  PagePool* p = state->pool.get();
  napi_value h = boundObject(env, state, [](void* s) { delete static_cast<PoolState*>(s); },
                             {{"usedPages", usedPages},
                              {"freePages", freePages},
                              {"close", close},
                              {"isClosed", isClosed},
                              {"memoryUsage", memoryUsage},
                              {"reserve", reserve},
                              {"release", release}});
  if (!h || !tag(env, h, &kPoolTag)) return nullptr;
  setNumber(env, h, "pageSize", p->pageSize());
  setNumber(env, h, "capacity", p->capacity());
  setNumber(env, h, "byteLength", double(p->byteLength()));
  setNumber(env, h, "mappedBytes", double(p->mappedBytes()));
  napi_set_named_property(env, h, "backing", string(env, backingName(p->backing())));
  napi_set_named_property(env, h, "streamStores", boolean(env, p->streamStores()));
  return h;
}

}  // namespace napi
}  // namespace frontswap
