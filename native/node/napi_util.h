// Small helpers over the C Node-API: argument checks that throw typed errors,
// and objects whose methods carry their native state as function data (no
// unwrap on the hot path).
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "../core/status.h"

namespace frontswap {
namespace napi {

// Per-environment state: each worker_threads Worker gets its own.
struct AddonData {
  napi_ref errorClass = nullptr;  // FrontswapError, handed in by the TS layer
};
AddonData* addonData(napi_env env);

// Throws a JS error for `code`: TypeError for ERR_INVALID_ARG, RangeError for
// ERR_OUT_OF_RANGE / ERR_BUFFER_SIZE, FrontswapError otherwise; `code` is set.
void throwError(napi_env env, Code code, const std::string& message);
napi_value makeError(napi_env env, Code code, const std::string& message);

// Status check for calls that only fail when the environment is going away.
#define FS_NAPI_OK(call) ((call) == napi_ok)

// Reads exactly `n` arguments (missing ones are undefined).
bool args(napi_env env, napi_callback_info info, size_t n, napi_value* argv, void** data = nullptr,
          napi_value* self = nullptr);

// Throws the right error for a value toIndex() refused.
void throwIndexError(napi_env env, napi_value v, const char* name, uint64_t max);

// An integer-valued number in [0, max]; throws and returns false otherwise.
// Inline: it runs twice on every store and load.
inline bool toIndex(napi_env env, napi_value v, const char* name, uint64_t max, uint64_t* out) {
  double d;
  // NaN fails the range test; a fraction fails the round trip through an integer.
  if (napi_get_value_double(env, v, &d) == napi_ok && d >= 0 && d <= double(max) && double(uint64_t(d)) == d) {
    *out = uint64_t(d);
    return true;
  }
  throwIndexError(env, v, name, max);
  return false;
}
inline bool toU32(napi_env env, napi_value v, const char* name, uint32_t max, uint32_t* out) {
  uint64_t x;
  if (!toIndex(env, v, name, max, &x)) return false;
  *out = uint32_t(x);
  return true;
}
bool toBool(napi_env env, napi_value v, const char* name, bool* out);

// Any ArrayBufferView (TypedArray, Buffer, DataView) of exactly `len` bytes.
bool toPage(napi_env env, napi_value v, size_t len, uint8_t** data);
// Any ArrayBufferView, whatever its length.
bool toView(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* len);
// The bytes of any view, without throwing; false when `v` is not a view.
bool viewBytes(napi_env env, napi_value v, uint8_t** data, size_t* len);

// A TypedArray of type `want` with at least minLen elements; throws ERR_INVALID_ARG otherwise.
bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, size_t minLen, void** out, const char* name);

napi_value boolean(napi_env env, bool b);
napi_value number(napi_env env, double d);
napi_value undefined(napi_env env);
napi_value string(napi_env env, const char* s);

struct Method {
  const char* name;
  napi_callback fn;
};

// An object whose methods get `state` as their data. `state` is destroyed by
// `destroy` once the object and every method function are collected, or when
// the environment is torn down.
napi_value boundObject(napi_env env, void* state, void (*destroy)(void*), std::initializer_list<Method> methods);

// Type tags tell our handle objects apart from anything else JS may pass in.
extern const napi_type_tag kPoolTag;
extern const napi_type_tag kEngineTag;
bool tag(napi_env env, napi_value obj, const napi_type_tag* t);
// Returns the state behind a tagged handle, or throws ERR_INVALID_ARG.
void* untag(napi_env env, napi_value obj, const napi_type_tag* t, const char* what);

}  // namespace napi
}  // namespace frontswap
