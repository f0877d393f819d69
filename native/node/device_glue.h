// Shared by the device glue files: the device behind a handle, and errors whose
// code is an errno name (an I/O error reports what the kernel said).
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "../core/swap_device.h"

namespace frontswap {
namespace napi {

extern const napi_type_tag kDeviceTag;
extern const napi_type_tag kFrontswapTag;

// The device behind a device handle, or nullptr when `v` is not one (no throw).
std::shared_ptr<SwapDevice>* deviceFromHandle(napi_env env, napi_value v);

// A FrontswapError whose code is the errno's name ("EIO", "ENOSPC", ...).
napi_value makeErrnoError(napi_env env, int err, const std::string& what);
void throwErrnoError(napi_env env, int err, const std::string& what);

}  // namespace napi
}  // namespace frontswap
