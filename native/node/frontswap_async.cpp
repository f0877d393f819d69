// Frontswap handle, asynchronous side: a whole batch in one call. Every op is
// checked before any changes (a bad batch changes nothing); then the metadata is
// decided here, on the JS thread, and the engine's workers only move the bytes.
#include "bindings.h"
#include "frontswap_state.h"
#include "wire.h"

namespace frontswap {
namespace napi {
namespace {

constexpr uint32_t kPrefetchAhead = 8;

bool opError(napi_env env, uint32_t i, Code c, const std::string& what) {
  throwError(env, c, "op " + std::to_string(i) + ": " + what);
  return false;
}

// Pass 1: every op valid, every page resolved; nothing changes.
bool checkOps(napi_env env, FrontswapState* s, const uint32_t* w, uint32_t count, napi_value views, uint32_t nViews) {
  Frontswap& fs = *s->fs;
  const uint32_t ps = fs.pool().pageSize();
  s->engine->stamp++;
  s->buffers.resize(count);
  for (uint32_t i = 0; i < count; i++, w += wire::kFsOpWords) {
    uint32_t op = wire::opcode(w[0]), type = wire::opType(w[0]), kind = wire::bufKind(w[0]);
    if (op < wire::kFsStore || op > wire::kFsInvalidate) return opError(env, i, Code::InvalidArg, "unknown opcode");
    if (type >= Frontswap::kTypes) return opError(env, i, Code::OutOfRange, "type must be an integer from 0 to 31");
    Code c = fs.check(type);
    if (c != Code::Ok) return opError(env, i, c, codeMessage(c, type));
    s->buffers[i] = nullptr;
    if (op == wire::kFsInvalidate) continue;
    if (kind == wire::kBufView) {
      napi_value view;
      if (w[2] >= nViews || napi_get_element(env, views, w[2], &view) != napi_ok) return opError(env, i, Code::InvalidArg, "no such page view");
      if (!toPinnedPage(env, view, ps, &s->buffers[i])) return false;
    } else if (kind == wire::kBufRegistered) {
      c = resolveBuffer(env, s->engine, w[2], w[3], ps, &s->buffers[i]);
      if (c == Code::BufferDetached) return opError(env, i, c, "the registered buffer was detached");
      if (c != Code::Ok)
        return opError(env, i, c, "no page of " + std::to_string(ps) + " bytes at byte " + std::to_string(w[3]) +
                                      " of registered buffer " + std::to_string(w[2]));
    } else {
      return opError(env, i, Code::InvalidArg, "a store or load needs a page");
    }
  }
  return true;
}

}  // namespace

FrontswapState::~FrontswapState() {
  fs.reset();  // may drain the engine first: it must still be alive
  if (engineRef) napi_delete_reference(env, engineRef);
}

bool attachEngine(napi_env env, FrontswapState* s, napi_value handle) {
  s->env = env;
  napi_valuetype t;
  napi_typeof(env, handle, &t);
  if (t == napi_undefined) return true;
  EngineState* e = engineFromHandle(env, handle);
  if (!e) return false;
  if (!e->engine || e->engine->stopped()) {
    throwCode(env, Code::EngineClosed);
    return false;
  }
  s->engine = e;
  return napi_create_reference(env, handle, 1, &s->engineRef) == napi_ok;
}

napi_value submitBatch(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  void* data;
  args(env, info, 5, argv, &data);
  FrontswapState* s = static_cast<FrontswapState*>(data);
  Frontswap& fs = *s->fs;
  if (!s->engine) {
    throwError(env, Code::InvalidArg, "this Frontswap has no engine: pass { engine } to its constructor");
    return nullptr;
  }
  if (!s->engine->engine || s->engine->engine->stopped()) {
    throwCode(env, Code::EngineClosed);
    return nullptr;
  }
  CopyEngine& eng = *s->engine->engine;
  uint32_t count, nViews = 0;
  void *ops, *results, *waitFor;
  if (!toU32(env, argv[1], "count", UINT32_MAX / wire::kFsOpWords, &count) ||
      !typedArray(env, argv[0], napi_uint32_array, size_t(count) * wire::kFsOpWords, &ops, "ops") ||
      !typedArray(env, argv[3], napi_int32_array, count, &results, "results") ||
      !typedArray(env, argv[4], napi_uint32_array, eng.workers(), &waitFor, "waitFor"))
    return nullptr;
  bool isArray = false;
  napi_is_array(env, argv[2], &isArray);
  if (isArray) napi_get_array_length(env, argv[2], &nViews);
  const uint32_t* w = static_cast<const uint32_t*>(ops);
  if (fs.pool().closed()) {
    throwCode(env, Code::PoolClosed);
    return nullptr;
  }
  if (s->submitting) {
    throwError(env, Code::InvalidArg, "submit was re-entered from JavaScript that ran during its checks");
    return nullptr;
  }
  s->submitting = true;
  bool ok = checkOps(env, s, w, count, argv[2], nViews);
  s->submitting = false;
  if (!ok) return nullptr;

  // Pass 2: decide, then queue the copies.
  PagePool& pool = fs.pool();
  const uint32_t ps = pool.pageSize();
  const uint32_t stream = pool.streamStores();
  int32_t* res = static_cast<int32_t*>(results);
  uint32_t* wf = static_cast<uint32_t*>(waitFor);
  uint32_t mask = 0;
  uint64_t copies = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (i + kPrefetchAhead < count) {
      const uint32_t* a = w + size_t(i + kPrefetchAhead) * wire::kFsOpWords;
      fs.prefetch(wire::opType(a[0]), a[1]);
    }
    const uint32_t* o = w + size_t(i) * wire::kFsOpWords;
    uint32_t op = wire::opcode(o[0]), type = wire::opType(o[0]), offset = o[1];
    uint32_t slot;
    CopyDesc d;
    d.pool = &pool;
    d.len = ps;
    if (op == wire::kFsStore) {
      slot = fs.planStore(type, offset);
      d.src = s->buffers[i];
      d.dst = slot == kNoSlot ? nullptr : pool.page(slot);
      d.stream = stream;
    } else if (op == wire::kFsLoad) {
      slot = fs.planLoad(type, offset);
      d.src = slot == kNoSlot ? nullptr : pool.page(slot);
      d.dst = s->buffers[i];
      d.stream = 0;
    } else {
      res[i] = fs.planInvalidate(type, offset);
      continue;
    }
    res[i] = slot != kNoSlot;
    if (slot == kNoSlot) continue;
    uint32_t wi = eng.route(slot);  // every copy on a slot goes to one worker: per-slot order
    wf[wi] = uint32_t(eng.push(wi, d));
    mask |= 1u << wi;
    copies++;
  }
  if (copies) eng.trackPool(fs.poolRef(), copies);
  eng.doorbell();
  return number(env, mask);
}

}  // namespace napi
}  // namespace frontswap
