// CopyEngine handle: the worker threads, the words shared with JS, the
// event-loop wake-up (a thread-safe function, referenced only while JS waits on
// it), registered buffers and pools, and raw copies for benchmarks.
#include <napi.h>

#include <algorithm>

#include <cstring>

#include "../core/shared_words.h"
#include "bindings.h"
#include "engine_state.h"
#include "wire.h"

namespace frontswap {
namespace napi {
namespace {

EngineState* stateOf(void* data) { return static_cast<EngineState*>(data); }

bool live(napi_env env, EngineState* e) {
  if (e->engine && !e->engine->stopped()) return true;
  throwCode(env, Code::EngineClosed);
  return false;
}

// Runs on a worker thread.
void wakeJs(void* ctx) { stateOf(ctx)->tsfn.NonBlockingCall(); }

void cleanupHook(EngineState* e) {
  e->cleanupHook = false;  // Node removes it itself
  e->shutdown();
}

void destroyState(void* p) {
  EngineState* e = stateOf(p);
  e->shutdown();
  if (e->cleanupHook) e->cleanup.Remove(e->env);
  if (e->self) napi_delete_reference(e->env, e->self);
  if (e->sharedWordsRef) napi_delete_reference(e->env, e->sharedWordsRef);
  delete e;
}

// The engine of a method call made with node-addon-api, or ERR_ENGINE_CLOSED.
EngineState* openEngine(const Napi::CallbackInfo& info) {
  EngineState* e = stateOf(info.Data());
  if (!e->engine || e->engine->stopped()) throw codeError(info.Env(), Code::EngineClosed);
  return e;
}

Napi::Value registerBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineState* e = openEngine(info);
  uint8_t* p;
  size_t n;
  // The real backing store, pinned natively: refused if resizable, else untransferable.
  if (!toPinnedView(env, info[0], "buffer", &p, &n)) rethrow(env);
  if (n == 0 || n > UINT32_MAX) throw codeError(env, Code::OutOfRange, "a registered buffer holds 1 byte to 4 GiB");
  RegisteredBuffer b;
  if (napi_create_reference(env, info[0], 1, &b.ref) != napi_ok) rethrow(env);
  b.data = p;
  b.len = n;
  e->buffers.push_back(b);
  return Napi::Number::New(env, double(e->buffers.size() - 1));
}

Napi::Value unregisterBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineState* e = openEngine(info);
  uint32_t id;
  if (!toU32(env, info[0], "id", UINT32_MAX, &id)) rethrow(env);
  if (id >= e->buffers.size() || !e->buffers[id].ref)
    throw codeError(env, Code::OutOfRange, "no registered buffer " + std::to_string(id));
  e->engine->drainAll();  // no copy may still name it
  napi_delete_reference(env, e->buffers[id].ref);
  e->buffers[id] = RegisteredBuffer();
  return env.Undefined();
}

Napi::Value registerPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineState* e = openEngine(info);
  std::shared_ptr<PagePool>* pool = poolFromHandle(env, info[0]);
  if (!pool) rethrow(env);
  for (size_t i = 0; i < e->pools.size(); i++)
    if (e->pools[i].lock() == *pool) return Napi::Number::New(env, double(i));
  e->pools.push_back(*pool);
  return Napi::Number::New(env, double(e->pools.size() - 1));
}

// Validates one raw descriptor; on success fills the copy to queue and the slot
// that decides its worker.
Code checkRaw(napi_env env, EngineState* e, PagePool& pool, const uint32_t* w, CopyDesc* d, uint32_t* routeSlot) {
  uint32_t op = w[0];
  if (op < wire::kRawToSlot || op > wire::kRawSlotToSlot) return Code::BadDescriptor;
  if (pool.closed()) return Code::PoolClosed;
  uint32_t slot = w[2], ps = pool.pageSize();
  if (slot >= pool.capacity() || pool.owner(slot) != SlotOwner::Reserved) return Code::SlotNotReserved;
  d->pool = &pool;
  d->len = ps;
  d->stream = pool.streamStores();
  if (op == wire::kRawSlotToSlot) {
    uint32_t dst = w[3];
    if (dst >= pool.capacity() || pool.owner(dst) != SlotOwner::Reserved) return Code::SlotNotReserved;
    d->src = pool.page(slot);
    d->dst = pool.page(dst);
    *routeSlot = dst;
    return Code::Ok;
  }
  uint8_t* buf;
  Code c = resolveBuffer(env, e, w[3], w[4], ps, &buf);
  if (c != Code::Ok) return c;
  *routeSlot = slot;
  if (op == wire::kRawToSlot) {
    d->src = buf;
    d->dst = pool.page(slot);
  } else {
    d->src = pool.page(slot);
    d->dst = buf;
    d->stream = 0;
  }
  return Code::Ok;
}

// submitRaw(ops: Uint32Array, count, status: Int32Array, waitFor: Uint32Array) -> worker mask
napi_value submitRaw(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  void* data;
  args(env, info, 4, argv, &data);
  EngineState* e = stateOf(data);
  uint32_t count;
  void *ops, *status, *waitFor;
  if (!live(env, e) || !toU32(env, argv[1], "count", UINT32_MAX / wire::kRawOpWords, &count) ||
      !typedArray(env, argv[0], napi_uint32_array, size_t(count) * wire::kRawOpWords, &ops, "ops") ||
      !typedArray(env, argv[2], napi_int32_array, count, &status, "status") ||
      !typedArray(env, argv[3], napi_uint32_array, e->engine->workers(), &waitFor, "waitFor"))
    return nullptr;
  CopyEngine& eng = *e->engine;
  e->stamp++;
  uint32_t mask = 0;
  const uint32_t* w = static_cast<const uint32_t*>(ops);
  int32_t* st = static_cast<int32_t*>(status);
  uint32_t* wf = static_cast<uint32_t*>(waitFor);
  std::shared_ptr<PagePool> pool;  // the current op's pool, locked once per run of ops naming it
  uint32_t poolId = UINT32_MAX;
  std::shared_ptr<PagePool> tracked;  // the pool whose run of queued copies is being counted
  uint64_t trackedCount = 0;
  for (uint32_t i = 0; i < count; i++, w += wire::kRawOpWords) {
    if (w[1] != poolId) {
      poolId = w[1];
      pool = poolId < e->pools.size() ? e->pools[poolId].lock() : nullptr;
    }
    CopyDesc d;
    uint32_t routeSlot;
    // A pool id never registered is a bad descriptor; one whose pool is gone, a closed pool.
    Code c = pool ? checkRaw(env, e, *pool, w, &d, &routeSlot)
                  : poolId < e->pools.size() ? Code::PoolClosed : Code::BadDescriptor;
    st[i] = -int32_t(c);  // 0 = queued; a bad descriptor completes now with its code
    if (c != Code::Ok) continue;
    if (pool != tracked) {
      if (tracked) eng.trackPool(tracked, trackedCount);
      tracked = pool;
      trackedCount = 0;
    }
    trackedCount++;
    uint32_t wi = eng.route(routeSlot);
    wf[wi] = uint32_t(eng.push(wi, d));
    mask |= 1u << wi;
  }
  if (tracked) eng.trackPool(tracked, trackedCount);
  eng.doorbell();
  return number(env, mask);
}

// reap(): hands landed copies' slots back to their pools and refills the rings from the backlog.
napi_value reap(napi_env env, napi_callback_info info) {
  void* data;
  args(env, info, 0, nullptr, &data);
  EngineState* e = stateOf(data);
  if (e->engine && !e->engine->stopped()) e->engine->reap();
  return undefined(env);
}

// setWaiting(bool): keep the event loop alive for a wake-up only while JS waits on one.
napi_value setWaiting(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  args(env, info, 1, argv, &data);
  EngineState* e = stateOf(data);
  bool on;
  if (!toBool(env, argv[0], "waiting", &on)) return nullptr;
  if (e->tsfnLive && on != e->tsfnRefd) {
    if (on) e->tsfn.Ref(env);
    else e->tsfn.Unref(env);
    e->tsfnRefd = on;
  }
  return undefined(env);
}

Napi::Value cpuTimes(const Napi::CallbackInfo& info) {
  EngineState* e = stateOf(info.Data());
  void* out;
  if (!e->engine || !typedArray(info.Env(), info[0], napi_float64_array, e->engine->workers(), &out, "out")) rethrow(info.Env());
  for (uint32_t i = 0; i < e->engine->workers(); i++) static_cast<double*>(out)[i] = double(e->engine->workerCpuNs(i));
  return info.Env().Undefined();
}

Napi::Value shutdownEngine(const Napi::CallbackInfo& info) {
  stateOf(info.Data())->shutdown();
  return info.Env().Undefined();
}

}  // namespace

void EngineState::shutdown() {
  if (engine) engine->shutdown();
  if (tsfnLive) {
    tsfn.Abort();
    tsfnLive = false;
  }
  for (RegisteredBuffer& b : buffers)
    if (b.ref) napi_delete_reference(env, b.ref);
  buffers.clear();
  pools.clear();
}

Code resolveBuffer(napi_env env, EngineState* e, uint32_t id, uint64_t byteOffset, uint32_t len, uint8_t** out) {
  if (id >= e->buffers.size() || !e->buffers[id].ref) return Code::BadDescriptor;
  RegisteredBuffer& b = e->buffers[id];
  if (b.checked != e->stamp) {  // once per submit: is the memory still where it was?
    napi_value view = nullptr;
    uint8_t* p = nullptr;
    size_t n = 0;
    if (napi_get_reference_value(env, b.ref, &view) != napi_ok || !view || !viewBytes(env, view, &p, &n) ||
        p != b.data || n != b.len)
      return Code::BufferDetached;
    b.checked = e->stamp;
  }
  if (byteOffset + len > b.len) return Code::BadDescriptor;
  *out = b.data + byteOffset;
  return Code::Ok;
}

EngineState* engineFromHandle(napi_env env, napi_value handle) {
  return static_cast<EngineState*>(untag(env, handle, &kEngineTag, "engine"));
}

// Raw calls inside: during a worker's termination the call fails, and a C++
// exception here (node-addon-api's Call throws) would have nowhere to go.
void callJs(Napi::Env env, Napi::Function onWake, EngineState* e, void*) {
  if (env == nullptr || onWake.IsEmpty()) return;  // the function is being torn down
  napi_value self, undef;
  if (!e->self || napi_get_reference_value(env, e->self, &self) != napi_ok || !self) return;
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, onWake, 1, &self, nullptr);
}

// Every worker's CPUs as the kernel reports them after pinning: an array of arrays.
Napi::Value workerCpus(const Napi::CallbackInfo& info) {
  EngineState* e = static_cast<EngineState*>(info.Data());
  Napi::Env env = info.Env();
  if (!e->engine) throw codeError(env, Code::EngineClosed);
  Napi::Array out = Napi::Array::New(env, e->engine->workers());
  for (uint32_t w = 0; w < e->engine->workers(); w++) {
    const std::vector<int>& c = e->engine->workerCpus(w);
    Napi::Array a = Napi::Array::New(env, c.size());
    for (size_t i = 0; i < c.size(); i++) a.Set(uint32_t(i), c[i]);
    out.Set(w, a);
  }
  return out;
}

// The CPUs to pin workers to: undefined (none) or a Uint32Array of CPUs this process may use.
std::vector<int> cpusArg(Napi::Env env, Napi::Value v) {
  if (v.IsUndefined()) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array || v.As<Napi::TypedArray>().ElementLength() == 0)
    throw codeError(env, Code::InvalidArg, "cpus must be a non-empty Uint32Array");
  Napi::Uint32Array a = v.As<Napi::Uint32Array>();
  const std::vector<int> allowed = allowedCpus();
  std::vector<int> out;
  for (size_t i = 0; i < a.ElementLength(); i++) {
    if (std::find(allowed.begin(), allowed.end(), int(a[i])) == allowed.end())
      throw codeError(env, Code::OutOfRange, "cpu " + std::to_string(a[i]) + " is not one this process may run on (sched_getaffinity)");
    out.push_back(int(a[i]));
  }
  return out;
}

// createEngine(self, workers, waitMode, spinMicros, ringEntries, onWake, cpus)
Napi::Value createEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[5].IsFunction())
    throw codeError(env, Code::InvalidArg, "createEngine(self, workers, waitMode, spinMicros, ringEntries, onWake)");
  EngineConfig cfg;
  uint32_t mode;
  if (!toU32(env, info[1], "workers", CopyEngine::kMaxWorkers, &cfg.workers) || !toU32(env, info[2], "waitMode", 2, &mode) ||
      !toU32(env, info[3], "spinMicros", 10000000, &cfg.spinMicros) || !toU32(env, info[4], "ringSize", 1u << 20, &cfg.ringEntries))
    rethrow(env);
  if (cfg.workers == 0) throw codeError(env, Code::OutOfRange, "workers must be from 1 to " + std::to_string(CopyEngine::kMaxWorkers));
  if (cfg.ringEntries < 2 || (cfg.ringEntries & (cfg.ringEntries - 1)))
    throw codeError(env, Code::OutOfRange, "ringSize must be a power of two from 2 to 1048576");
  cfg.waitMode = WaitMode(mode);
  cfg.cpus = cpusArg(env, info[6]);

  // The shared words live in a SharedArrayBuffer: JS reads them with Atomics and
  // nothing can detach it under the workers.
  // (Node-API creates no SharedArrayBuffer: construct it from JS.)
  const size_t words = sharedWords::size(cfg.workers);
  Napi::Object global = env.Global();
  Napi::Object sab = global.Get("SharedArrayBuffer").As<Napi::Function>().New({Napi::Number::New(env, double(words * 4))});
  Napi::Object board = global.Get("Int32Array").As<Napi::Function>().New({sab});

  std::unique_ptr<EngineState> owner(new EngineState());
  EngineState* e = owner.get();
  e->env = env;
  e->sharedWords = reinterpret_cast<uint32_t*>(board.As<Napi::Int32Array>().Data());
  napi_create_reference(env, board, 1, &e->sharedWordsRef);
  napi_create_reference(env, info[0], 0, &e->self);
  e->tsfn = EngineState::WakeFn::New(env, info[5].As<Napi::Function>(), "frontswap.CopyEngine", 0, 1, e);
  e->tsfnLive = true;
  e->tsfn.Unref(env);  // an idle engine does not keep the process alive
  // Added after the thread-safe function, so it runs before Node tears that down.
  e->cleanup = env.AddCleanupHook(cleanupHook, e);
  e->cleanupHook = true;
  try {
    e->engine.reset(new CopyEngine(cfg, e->sharedWords, wakeJs, e));
  } catch (const std::exception& ex) {
    destroyState(owner.release());
    throw codeError(env, Code::ThreadsUnavailable, std::string("could not start the engine's worker threads: ") + ex.what());
  }
  // The doorbell and the wait path stay raw napi_callbacks (see bindings.h); the rest node-addon-api.
  napi_value h = boundObject(env, owner.release(), destroyState,
                             {{"submitRaw", submitRaw},
                              {"reap", reap},
                              {"setWaiting", setWaiting},
                              {"registerBuffer", nullptr, registerBuffer},
                              {"unregisterBuffer", nullptr, unregisterBuffer},
                              {"registerPool", nullptr, registerPool},
                              {"cpuTimes", nullptr, cpuTimes},
                              {"workerCpus", nullptr, workerCpus},
                              {"shutdown", nullptr, shutdownEngine}});
  if (!h || !tag(env, h, &kEngineTag)) rethrow(env);
  Napi::Object handle(env, h);
  handle.Set("sharedWords", board);
  return handle;
}

}  // namespace napi
}  // namespace frontswap
