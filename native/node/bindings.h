// The addon's entry points, one file per object. The hot calls (a Frontswap's
// sync store/load/invalidate and its batch doorbell `submit`) are raw
// napi_callbacks: `npm run bench:calls` measures what node-addon-api's
// CallbackInfo and As<> add per call; everything created once or called
// rarely is written with node-addon-api.
#pragma once
#include <napi.h>
#include <node_api.h>

#include <memory>

#include "../core/page_pool.h"

namespace frontswap {
namespace napi {

Napi::Value createPool(const Napi::CallbackInfo& info);
Napi::Value createFrontswap(const Napi::CallbackInfo& info);
Napi::Value createEngine(const Napi::CallbackInfo& info);
void registerBaselines(Napi::Env env, Napi::Object exports);
void registerCallProbes(Napi::Env env, Napi::Object exports);
// Raw napi entry points of the device and region modules.
napi_value createSwapDevice(napi_env env, napi_callback_info info);
napi_value createDeviceUring(napi_env env, napi_callback_info info);
void registerSwapRegion(napi_env env, napi_value exports);
void registerKernelProbe(napi_env env, napi_value exports);
void registerCache(Napi::Env env, Napi::Object exports);
// Flushes pages[0..count) of `pageSize` bytes from base (cache_binding.cpp); throws on an index >= pages.
const uint32_t* pageIndices(Napi::Env env, Napi::Value v, size_t pages, size_t* count);
size_t flushPageList(uint8_t* base, size_t pageSize, const uint32_t* pages, size_t count);

// The pool behind a pool handle, or nullptr after throwing ERR_INVALID_ARG.
std::shared_ptr<PagePool>* poolFromHandle(napi_env env, napi_value handle);

}  // namespace napi
}  // namespace frontswap
