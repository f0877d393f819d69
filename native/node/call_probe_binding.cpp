// Call-overhead probes for `npm run bench:calls`: the same do-nothing entry
// point as a raw napi_callback and through node-addon-api, bare and with the
// arguments of a store (type, offset, a 4 KiB page). They measure what the glue
// itself costs per call, which is what decides where the glue stays raw
// (the hot sync store/load/invalidate and the batch doorbell; see bindings.h).
#include <napi.h>

#include <utility>

#include "bindings.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

napi_value rawNoop(napi_env env, napi_callback_info) { return nullptr; }

// Reads (type, offset, page) the way the hot store does: 4 Node-API calls.
napi_value rawStoreArgs(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint32_t type, offset;
  uint8_t* page;
  if (!toU32(env, argv[0], "type", 31, &type) || !toU32(env, argv[1], "offset", UINT32_MAX, &offset) ||
      !toPage(env, argv[2], 4096, &page))
    return nullptr;
  return boolean(env, page[0] == type);
}

// The store's reads one at a time, to see where the glue's time goes: the
// arguments and the result alone, then with the key, then with the page.
napi_value rawResultOnly(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return boolean(env, argc == 3);
}

napi_value rawKeyArgs(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint32_t type, offset;
  if (!toU32(env, argv[0], "type", 31, &type) || !toU32(env, argv[1], "offset", UINT32_MAX, &offset)) return nullptr;
  return boolean(env, type == offset);
}

napi_value rawPageArg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint8_t* page;
  if (!toPage(env, argv[2], 4096, &page)) return nullptr;
  return boolean(env, page[0] == 0);
}

void napiNoop(const Napi::CallbackInfo&) {}

// The same reads with node-addon-api's idioms.
Napi::Value napiStoreArgs(const Napi::CallbackInfo& info) {
  uint32_t type = info[0].As<Napi::Number>().Uint32Value();
  uint32_t offset = info[1].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array page = info[2].As<Napi::Uint8Array>();
  (void)offset;
  return Napi::Boolean::New(info.Env(), page.ByteLength() == 4096 && page.Data()[0] == type);
}

}  // namespace

void registerCallProbes(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  napi_value f;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "rawNoop", NAPI_AUTO_LENGTH, rawNoop, nullptr, &f));
  o.Set("rawNoop", Napi::Value(env, f));
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "rawStoreArgs", NAPI_AUTO_LENGTH, rawStoreArgs, nullptr, &f));
  o.Set("rawStoreArgs", Napi::Value(env, f));
  for (auto probe : {std::make_pair("rawResultOnly", rawResultOnly), std::make_pair("rawKeyArgs", rawKeyArgs),
                     std::make_pair("rawPageArg", rawPageArg)}) {
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, probe.first, NAPI_AUTO_LENGTH, probe.second, nullptr, &f));
    o.Set(probe.first, Napi::Value(env, f));
  }
  o.Set("napiNoop", Napi::Function::New(env, napiNoop, "napiNoop"));
  o.Set("napiStoreArgs", Napi::Function::New(env, napiStoreArgs, "napiStoreArgs"));
  exports.Set("callProbes", o);
}

}  // namespace napi
}  // namespace frontswap
