// Frontswap handle: the synchronous operations. Each method is a raw
// napi_callback carrying its front-end as function data, so a 4 KiB store costs
// the argument checks and the copy, not an object unwrap.
#include <memory>

#include "../core/frontswap.h"
#include "bindings.h"
#include "device_glue.h"
#include "frontswap_state.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

bool fail(napi_env env, Code c, uint32_t type) {
  switch (c) {
    case Code::Ok: return false;
    case Code::PoolClosed: throwError(env, c, "the pool is closed"); break;
    case Code::RegionAttached: throwError(env, c, "a SwapRegion owns this front-end's pool until region.close()"); break;
    case Code::DeviceClosed: throwError(env, c, "the device is closed"); break;
    case Code::TypeNotInitialized:
      throwError(env, c, "swap type " + std::to_string(type) + " is not initialized: call init(" + std::to_string(type) + ") first");
      break;
    case Code::TypeAlreadyInitialized:
      throwError(env, c, "swap type " + std::to_string(type) + " is already initialized (invalidateArea() closes it)");
      break;
    default: throwError(env, c, "operation failed"); break;
  }
  return true;
}

// How a call names its key: (type, offset), or one number type * 2^32 + offset
// (one argument conversion less on the hottest path; the TS layer packs it only
// after a cheap type check, and it is validated here all the same).
enum class Key { Split, Packed };
constexpr uint64_t kKeyLimit = uint64_t(Frontswap::kTypes) << 32;

// Reads the key arguments (and leaves the rest in argv); false once an error is thrown.
template <Key K, size_t N>
bool keyArgs(napi_env env, napi_callback_info info, napi_value (&argv)[N], Frontswap** fs, uint32_t* type,
             uint32_t* offset) {
  void* data;
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  *fs = static_cast<FrontswapState*>(data)->fs.get();
  if (K == Key::Split)
    return toU32(env, argv[0], "type", Frontswap::kTypes - 1, type) && toU32(env, argv[1], "offset", UINT32_MAX, offset);
  uint64_t key;
  if (!toIndex(env, argv[0], "key", kKeyLimit - 1, &key)) return false;
  *type = uint32_t(key >> 32);
  *offset = uint32_t(key);
  return true;
}

constexpr size_t keyWords(Key k) { return k == Key::Split ? 2 : 1; }

// store (Store = true) or load: the key, then a page of exactly pageSize bytes.
template <Key K, bool Store>
napi_value copyOp(napi_env env, napi_callback_info info) {
  constexpr size_t N = keyWords(K) + 1;
  napi_value argv[N];
  Frontswap* fs;
  uint32_t type, offset;
  uint8_t* page;
  bool hit;
  if (!keyArgs<K>(env, info, argv, &fs, &type, &offset) || !toPage(env, argv[N - 1], fs->pageSize(), &page))
    return nullptr;
  Code c = Store ? fs->store(type, offset, page, &hit) : fs->load(type, offset, page, &hit);
  if (c == Code::IoError) {
    throwErrnoError(env, fs->lastErrno(), Store ? "store to the swap device failed" : "load from the swap device failed");
    return nullptr;
  }
  if (fail(env, c, type)) return nullptr;
  return boolean(env, hit);
}

template <Key K>
napi_value invalidatePage(napi_env env, napi_callback_info info) {
  napi_value argv[keyWords(K)];
  Frontswap* fs;
  uint32_t type, offset;
  bool removed;
  if (!keyArgs<K>(env, info, argv, &fs, &type, &offset)) return nullptr;
  if (fail(env, fs->invalidatePage(type, offset, &removed), type)) return nullptr;
  return boolean(env, removed);
}

napi_value has(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Frontswap* fs;
  uint32_t type, offset;
  bool present;
  if (!keyArgs<Key::Split>(env, info, argv, &fs, &type, &offset)) return nullptr;
  if (fail(env, fs->has(type, offset, &present), type)) return nullptr;
  return boolean(env, present);
}

template <Code (Frontswap::*Op)(uint32_t)>
napi_value typeOp(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  args(env, info, 1, argv, &data);
  Frontswap* fs = static_cast<FrontswapState*>(data)->fs.get();
  uint32_t type;
  if (!toU32(env, argv[0], "type", Frontswap::kTypes - 1, &type)) return nullptr;
  if (fail(env, (fs->*Op)(type), type)) return nullptr;
  return undefined(env);
}

// stats(out: Float64Array(kStatsFields)) -> fills the counters; the TS layer names them.
napi_value stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  args(env, info, 1, argv, &data);
  Frontswap* fs = static_cast<FrontswapState*>(data)->fs.get();
  void* raw;
  if (!typedArray(env, argv[0], napi_float64_array, kStatsFields, &raw, "stats' output")) return nullptr;
  const FrontswapStats& s = fs->stats();
  const SlotBackend& p = fs->backend();
  double* o = static_cast<double*>(raw);
  o[0] = double(s.succStores);
  o[1] = double(s.failedStores);
  o[2] = double(s.duplicateStores);
  o[3] = double(s.loads);
  o[4] = double(s.failedLoads);
  o[5] = double(s.exclusiveLoads);
  o[6] = double(s.invalidates);
  o[7] = double(s.areaInvalidates);
  o[8] = double(s.areaInvalidatedPages);
  o[9] = double(s.storedPages);
  o[10] = double(p.usedPages());
  o[11] = double(p.capacity());
  o[12] = double(fs->mapBytes());
  o[13] = double(fs->initializedTypes());
  o[14] = double(s.ioErrors);
  o[15] = double(s.lostPages);
  return undefined(env);
}

}  // namespace

napi_value taggedFrontswap(napi_env env, FrontswapState* state);

// createFrontswap(poolHandle | deviceHandle, exclusiveGets, engineHandle | undefined)
napi_value createFrontswap(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args(env, info, 3, argv);
  if (std::shared_ptr<SwapDevice>* device = deviceFromHandle(env, argv[0])) {
    bool exclusive;
    if (!toBool(env, argv[1], "exclusiveGets", &exclusive)) return nullptr;
    if ((*device)->closed()) {
      throwError(env, Code::DeviceClosed, "the device is closed");
      return nullptr;
    }
    FrontswapState* state = new FrontswapState();
    state->env = env;
    state->fs = std::make_shared<Frontswap>(*device, exclusive);
    return taggedFrontswap(env, state);
  }
  std::shared_ptr<PagePool>* pool = poolFromHandle(env, argv[0]);
  bool exclusive;
  if (!pool || !toBool(env, argv[1], "exclusiveGets", &exclusive)) return nullptr;
  if ((*pool)->closed()) {
    throwError(env, Code::PoolClosed, "the pool is closed");
    return nullptr;
  }
  FrontswapState* state = new FrontswapState();
  if (!attachEngine(env, state, argv[2])) {
    delete state;
    return nullptr;
  }
  state->fs = std::make_shared<Frontswap>(*pool, exclusive);
  return taggedFrontswap(env, state);
}

// The handle: the sync methods, and a type tag the device's io_uring glue finds it by.
napi_value taggedFrontswap(napi_env env, FrontswapState* state) {
  napi_value h = boundObject(env, state, [](void* s) { delete static_cast<FrontswapState*>(s); },
                     {{"store", copyOp<Key::Split, true>},
                      {"load", copyOp<Key::Split, false>},
                      {"invalidatePage", invalidatePage<Key::Split>},
                      {"storeKey", copyOp<Key::Packed, true>},
                      {"loadKey", copyOp<Key::Packed, false>},
                      {"invalidateKey", invalidatePage<Key::Packed>},
                      {"has", has},
                      {"init", typeOp<&Frontswap::init>},
                      {"invalidateArea", typeOp<&Frontswap::invalidateArea>},
                      {"stats", stats},
                      {"submit", submitBatch}});
  if (h) tag(env, h, &kFrontswapTag);
  return h;
}

}  // namespace napi
}  // namespace frontswap
