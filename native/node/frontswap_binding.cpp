// Frontswap handle. store / load / invalidatePage (and their packed-key forms)
// are raw napi_callbacks carrying their front-end as function data, so a 4 KiB
// store costs the argument checks and the copy, not an object unwrap nor
// node-addon-api's CallbackInfo (bench:calls: ~29 ns a call more on this
// machine, a third of the glue's cost). init, has, invalidateArea, stats and
// the constructor are node-addon-api.
#include <napi.h>

#include <memory>

#include "../core/frontswap.h"
#include "bindings.h"
#include "device_glue.h"
#include "frontswap_state.h"
#include "napi_util.h"
#include "wire.h"

namespace frontswap {
namespace napi {
namespace {

bool fail(napi_env env, Code c, uint32_t type) {
  if (c == Code::Ok) return false;
  throwCode(env, c, type);
  return true;
}

// How a call names its key: (type, offset), or one number type * 2^32 + offset
// (one argument conversion less on the hottest path; the TS layer packs it only
// after a cheap type check, and it is validated here all the same).
enum class Key { Split, Packed };
constexpr uint64_t kKeyLimit = uint64_t(wire::kTypes) * uint64_t(wire::kKeyTypeFactor);

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

// The front-end of a method call made with node-addon-api.
Frontswap& frontOf(const Napi::CallbackInfo& info) { return *static_cast<FrontswapState*>(info.Data())->fs; }

uint32_t typeArg(const Napi::CallbackInfo& info) {
  uint32_t type;
  if (!toU32(info.Env(), info[0], "type", Frontswap::kTypes - 1, &type)) rethrow(info.Env());
  return type;
}

Napi::Value has(const Napi::CallbackInfo& info) {
  Frontswap& fs = frontOf(info);
  uint32_t type = typeArg(info), offset;
  if (!toU32(info.Env(), info[1], "offset", UINT32_MAX, &offset)) rethrow(info.Env());
  bool present;
  Code c = fs.has(type, offset, &present);
  if (c != Code::Ok) throw codeError(info.Env(), c, type);
  return Napi::Boolean::New(info.Env(), present);
}

template <Code (Frontswap::*Op)(uint32_t)>
Napi::Value typeOp(const Napi::CallbackInfo& info) {
  uint32_t type = typeArg(info);
  Code c = (frontOf(info).*Op)(type);
  if (c != Code::Ok) throw codeError(info.Env(), c, type);
  return info.Env().Undefined();
}

// stats(out: Float64Array(wire::kStatsFields)) -> fills the counters in wire::Stat order; TS names them from wire.
Napi::Value stats(const Napi::CallbackInfo& info) {
  Frontswap* fs = &frontOf(info);
  void* raw;
  if (!typedArray(info.Env(), info[0], napi_float64_array, wire::kStatsFields, &raw, "stats' output")) rethrow(info.Env());
  const FrontswapStats& s = fs->stats();
  const SlotBackend& p = fs->backend();
  double* o = static_cast<double*>(raw);
  using wire::Stat;
  auto set = [o](Stat k, double v) { o[uint32_t(k)] = v; };
  set(Stat::succStores, double(s.succStores));
  set(Stat::failedStores, double(s.failedStores));
  set(Stat::duplicateStores, double(s.duplicateStores));
  set(Stat::loads, double(s.loads));
  set(Stat::failedLoads, double(s.failedLoads));
  set(Stat::exclusiveLoads, double(s.exclusiveLoads));
  set(Stat::invalidates, double(s.invalidates));
  set(Stat::areaInvalidates, double(s.areaInvalidates));
  set(Stat::areaInvalidatedPages, double(s.areaInvalidatedPages));
  set(Stat::storedPages, double(s.storedPages));
  set(Stat::usedPages, double(p.usedPages()));
  set(Stat::capacity, double(p.capacity()));
  set(Stat::mapBytes, double(fs->mapBytes()));
  set(Stat::initializedTypesMask, double(fs->initializedTypes()));
  set(Stat::ioErrors, double(s.ioErrors));
  set(Stat::lostPages, double(s.lostPages));
  return info.Env().Undefined();
}

}  // namespace

// The handle: the sync methods, and a type tag the device's io_uring glue and
// SwapRegion find it by. The copies are raw napi_callbacks (see bindings.h); the
// rest node-addon-api.
Napi::Value frontswapHandle(Napi::Env env, std::unique_ptr<FrontswapState> state) {
  napi_value h = boundObject(env, state.release(), [](void* s) { delete static_cast<FrontswapState*>(s); },
                             {{"store", copyOp<Key::Split, true>},
                              {"load", copyOp<Key::Split, false>},
                              {"invalidatePage", invalidatePage<Key::Split>},
                              {"storeKey", copyOp<Key::Packed, true>},
                              {"loadKey", copyOp<Key::Packed, false>},
                              {"invalidateKey", invalidatePage<Key::Packed>},
                              {"submit", submitBatch},
                              {"has", nullptr, has},
                              {"init", nullptr, typeOp<&Frontswap::init>},
                              {"invalidateArea", nullptr, typeOp<&Frontswap::invalidateArea>},
                              {"stats", nullptr, stats}});
  if (!h || !tag(env, h, &kFrontswapTag)) rethrow(env);
  return Napi::Value(env, h);
}

// createFrontswap(poolHandle | deviceHandle, exclusiveGets, engineHandle | undefined)
Napi::Value createFrontswap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::unique_ptr<FrontswapState> state(new FrontswapState());
  if (std::shared_ptr<SwapDevice>* device = deviceFromHandle(env, info[0])) {
    bool exclusive;
    if (!toBool(env, info[1], "exclusiveGets", &exclusive)) rethrow(env);
    if ((*device)->closed()) throw codeError(env, Code::DeviceClosed);
    state->env = env;
    state->fs = std::make_shared<Frontswap>(*device, exclusive);
    return frontswapHandle(env, std::move(state));
  }
  std::shared_ptr<PagePool>* pool = poolFromHandle(env, info[0]);
  bool exclusive;
  if (!pool || !toBool(env, info[1], "exclusiveGets", &exclusive)) rethrow(env);
  if ((*pool)->closed()) throw codeError(env, Code::PoolClosed);
  if (!attachEngine(env, state.get(), info[2])) rethrow(env);
  state->fs = std::make_shared<Frontswap>(*pool, exclusive);
  return frontswapHandle(env, std::move(state));
}

}  // namespace napi
}  // namespace frontswap
