// Module entry: one set of functions per environment (each worker_threads
// Worker loads its own), plus the wire protocol the TS layer encodes with.
// Everything here runs once per load, so it is written with node-addon-api;
// the hot entry points it registers stay raw napi_callbacks (see bindings.h).
#include <napi.h>

#include "../core/machine_facts.h"
#include "../core/page_copy.h"
#include "bindings.h"
#include "napi_util.h"
#include "wire.h"

namespace frontswap {
namespace napi {
namespace {

// setErrorClass(FrontswapError): native errors become instances of the TS class.
void setErrorClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    throwError(env, Code::InvalidArg, "setErrorClass needs a constructor");
    return;
  }
  addonData(env)->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
}

// setIntrinsics(resizableGetter, markAsUntransferable): builtins captured when
// the TS layer loads, called natively on the buffers behind async pages (pinBacking).
void setIntrinsics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction() || !info[1].IsFunction()) {
    throwError(env, Code::InvalidArg, "setIntrinsics(resizableGetter, markAsUntransferable)");
    return;
  }
  addonData(env)->resizableGetter = Napi::Persistent(info[0].As<Napi::Function>());
  addonData(env)->markUntransferable = Napi::Persistent(info[1].As<Napi::Function>());
}

// The facts the pool decides on (machine_facts.h); machineInfo() reports these.
Napi::Value nativeInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("streamCopy", streamCopyKind());
  o.Set("lastLevelCacheBytes", double(lastLevelCacheBytes()));
  o.Set("thpMode", thpMode());
  return o;
}

// wire.h and the core's shared words and codes, as plain data.
Napi::Object wireObject(Napi::Env env) {
  Napi::Object fsOp = Napi::Object::New(env);
  fsOp.Set("words", wire::kFsOpWords);
  fsOp.Set("fieldMask", wire::kFieldMask);
  fsOp.Set("typeShift", wire::kTypeShift);
  fsOp.Set("bufShift", wire::kBufShift);
  fsOp.Set("store", wire::kFsStore);
  fsOp.Set("load", wire::kFsLoad);
  fsOp.Set("invalidate", wire::kFsInvalidate);
  fsOp.Set("bufNone", wire::kBufNone);
  fsOp.Set("bufView", wire::kBufView);
  fsOp.Set("bufRegistered", wire::kBufRegistered);

  Napi::Object rawOp = Napi::Object::New(env);
  rawOp.Set("words", wire::kRawOpWords);
  rawOp.Set("toSlot", wire::kRawToSlot);
  rawOp.Set("fromSlot", wire::kRawFromSlot);
  rawOp.Set("slotToSlot", wire::kRawSlotToSlot);

  Napi::Object devOp = Napi::Object::New(env);
  devOp.Set("words", wire::kDevOpWords);
  devOp.Set("store", wire::kDevStore);
  devOp.Set("load", wire::kDevLoad);
  devOp.Set("invalidate", wire::kDevInvalidate);

  Napi::Array stats = Napi::Array::New(env, wire::kStatsFields);
  for (uint32_t i = 0; i < wire::kStatsFields; i++) stats.Set(i, wire::kStatNames[i]);

  Napi::Array deviceStats = Napi::Array::New(env, wire::kDeviceStatsFields);
  for (uint32_t i = 0; i < wire::kDeviceStatsFields; i++) deviceStats.Set(i, wire::kDeviceStatNames[i]);
  Napi::Array uringStats = Napi::Array::New(env, wire::kUringStatsFields);
  for (uint32_t i = 0; i < wire::kUringStatsFields; i++) uringStats.Set(i, wire::kUringStatNames[i]);

  Napi::Object words = Napi::Object::New(env);
  words.Set("stride", sharedWords::kStride);
  words.Set("armed", sharedWords::kArmed);
  words.Set("done", sharedWords::kDone);
  words.Set("wakeTarget", sharedWords::kWakeTarget);
  words.Set("sleeping", sharedWords::kSleeping);
  words.Set("sleeps", sharedWords::kSleeps);
  words.Set("wakeups", sharedWords::kWakeups);
  words.Set("jsWakes", sharedWords::kJsWakes);
  words.Set("submitted", sharedWords::kSubmitted);
  words.Set("backlog", sharedWords::kBacklog);

  // Raw batch statuses are -code: the names by number, and the messages that take no argument.
  Napi::Array codes = Napi::Array::New(env, kCodeCount);
  for (int32_t c = 0; c < kCodeCount; c++) codes.Set(uint32_t(c), codeName(Code(c)));
  Napi::Object messages = Napi::Object::New(env);
  for (Code c : {Code::PoolClosed, Code::EngineClosed}) messages.Set(codeName(c), codeMessage(c));

  Napi::Object limits = Napi::Object::New(env);
  limits.Set("types", wire::kTypes);
  limits.Set("maxWorkers", wire::kMaxWorkers);
  limits.Set("keyTypeFactor", wire::kKeyTypeFactor);

  Napi::Object o = Napi::Object::New(env);
  o.Set("limits", limits);
  o.Set("fsOp", fsOp);
  o.Set("rawOp", rawOp);
  o.Set("devOp", devOp);
  o.Set("stats", stats);
  o.Set("deviceStats", deviceStats);
  o.Set("uringStats", uringStats);
  o.Set("sharedWords", words);
  o.Set("codes", codes);
  o.Set("messages", messages);
#ifdef FRONTSWAP_HAVE_LIBURING
  o.Set("uring", true);  // built against liburing: io: 'uring' works
#else
  o.Set("uring", false);
#endif
  return o;
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("setErrorClass", Napi::Function::New(env, setErrorClass, "setErrorClass"));
  exports.Set("setIntrinsics", Napi::Function::New(env, setIntrinsics, "setIntrinsics"));
  exports.Set("nativeInfo", Napi::Function::New(env, nativeInfo, "nativeInfo"));
  exports.Set("wire", wireObject(env));
  // Every module registers here, once per environment.
  exports.Set("createPool", Napi::Function::New(env, createPool, "createPool"));
  exports.Set("createFrontswap", Napi::Function::New(env, createFrontswap, "createFrontswap"));
  exports.Set("createEngine", Napi::Function::New(env, createEngine, "createEngine"));
  registerBaselines(env, exports);
  registerCallProbes(env, exports);
  // Modules whose entry points are raw napi callbacks.
  const std::pair<const char*, napi_callback> raw[] = {{"createSwapDevice", createSwapDevice},
                                                       {"createDeviceUring", createDeviceUring}};
  for (const auto& [name, fn] : raw) {
    napi_value f;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
    exports.Set(name, Napi::Value(env, f));
  }
  registerSwapRegion(env, exports);
  registerKernelProbe(env, exports);
  registerCache(env, exports);
  return exports;
}

}  // namespace napi
}  // namespace frontswap

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return frontswap::napi::init(env, exports); }
NODE_API_MODULE(frontswap, Init)
