// The addon's entry points, one file per object.
#pragma once
#include <node_api.h>

#include <memory>

#include "../core/page_pool.h"

namespace frontswap {
namespace napi {

napi_value createPool(napi_env env, napi_callback_info info);
napi_value createFrontswap(napi_env env, napi_callback_info info);
napi_value createEngine(napi_env env, napi_callback_info info);
napi_value nativeInfo(napi_env env, napi_callback_info info);
void registerBaselines(napi_env env, napi_value exports);
void registerKernelProbe(napi_env env, napi_value exports);

// The pool behind a pool handle, or nullptr after throwing ERR_INVALID_ARG.
std::shared_ptr<PagePool>* poolFromHandle(napi_env env, napi_value handle);

}  // namespace napi
}  // namespace frontswap
