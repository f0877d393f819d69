// Module entry: one set of functions per environment (each worker_threads
// Worker loads its own), plus the layout numbers the TS layer encodes with.
#include "../core/mapping.h"
#include "../core/page_copy.h"
#include "../core/shared_words.h"
#include "bindings.h"
#include "frontswap_state.h"
#include "napi_util.h"
#include "op_layout.h"

namespace frontswap {
namespace napi {
namespace {

void freeAddonData(napi_env env, void* data, void*) {
  AddonData* d = static_cast<AddonData*>(data);
  if (d->errorClass) napi_delete_reference(env, d->errorClass);
  delete d;
}

// setErrorClass(FrontswapError): native errors become instances of the TS class.
napi_value setErrorClass(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  args(env, info, 1, argv);
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (t != napi_function) {
    throwError(env, Code::InvalidArg, "setErrorClass needs a constructor");
    return nullptr;
  }
  AddonData* d = addonData(env);
  if (d->errorClass) napi_delete_reference(env, d->errorClass);
  napi_create_reference(env, argv[0], 1, &d->errorClass);
  return undefined(env);
}

void setNum(napi_env env, napi_value o, const char* k, double v) { napi_set_named_property(env, o, k, number(env, v)); }

napi_value layoutObject(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
  setNum(env, o, "fsOpWords", layout::kFsOpWords);
  setNum(env, o, "fsStore", layout::kFsStore);
  setNum(env, o, "fsLoad", layout::kFsLoad);
  setNum(env, o, "fsInvalidate", layout::kFsInvalidate);
  setNum(env, o, "bufView", layout::kBufView);
  setNum(env, o, "bufRegistered", layout::kBufRegistered);
  setNum(env, o, "rawOpWords", layout::kRawOpWords);
  setNum(env, o, "rawToSlot", layout::kRawToSlot);
  setNum(env, o, "rawFromSlot", layout::kRawFromSlot);
  setNum(env, o, "rawSlotToSlot", layout::kRawSlotToSlot);
  setNum(env, o, "statsFields", kStatsFields);
  setNum(env, o, "boardStride", board::kStride);
  setNum(env, o, "boardDone", board::kDone);
  setNum(env, o, "boardWakeTarget", board::kWakeTarget);
  setNum(env, o, "boardArmed", board::kArmed);
  setNum(env, o, "boardSleeping", board::kSleeping);
  setNum(env, o, "boardSleeps", board::kSleeps);
  setNum(env, o, "boardWakeups", board::kWakeups);
  setNum(env, o, "boardJsWakes", board::kJsWakes);
  setNum(env, o, "boardSubmitted", board::kSubmitted);
  setNum(env, o, "boardBacklog", board::kBacklog);
  // Per-op status codes of raw batches are -Code: their names, by number.
  napi_value codes;
  napi_create_array_with_length(env, kCodeCount, &codes);
  for (int32_t c = 0; c < kCodeCount; c++) napi_set_element(env, codes, uint32_t(c), string(env, codeName(Code(c))));
  napi_set_named_property(env, o, "codes", codes);
  return o;
}

}  // namespace

napi_value nativeInfo(napi_env env, napi_callback_info) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "streamCopy", string(env, streamCopyKind()));
  setNum(env, o, "lastLevelCacheBytes", double(lastLevelCacheBytes()));
  napi_set_named_property(env, o, "thpMode", string(env, thpMode().c_str()));
  return o;
}

napi_value init(napi_env env, napi_value exports) {
  napi_set_instance_data(env, new AddonData(), freeAddonData, nullptr);
  struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"setErrorClass", setErrorClass},
             {"createPool", createPool},
             {"createFrontswap", createFrontswap},
             {"createEngine", createEngine},
             {"nativeInfo", nativeInfo}};
  for (auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  napi_set_named_property(env, exports, "layout", layoutObject(env));
  registerBaselines(env, exports);
  registerKernelProbe(env, exports);
  return exports;
}

}  // namespace napi
}  // namespace frontswap

NAPI_MODULE_INIT() { return frontswap::napi::init(env, exports); }
