// Small helpers over the C Node-API: argument checks that throw typed errors,
// and objects whose methods carry their native state as function data (no
// unwrap on the hot path).
#pragma once
#include <napi.h>
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
  Napi::FunctionReference errorClass;  // FrontswapError, handed in by the TS layer
  // Captured by the TS layer when it loads, before user code can replace them:
  // ArrayBuffer.prototype.resizable's getter (Node-API cannot ask) and
  // worker_threads.markAsUntransferable. Called on buffers obtained natively.
  Napi::FunctionReference resizableGetter;
  Napi::FunctionReference markUntransferable;
};
AddonData* addonData(napi_env env);

// Throws a JS error for `code`: TypeError for ERR_INVALID_ARG, RangeError for
// ERR_OUT_OF_RANGE / ERR_BUFFER_SIZE, FrontswapError otherwise; `code` is set.
void throwError(napi_env env, Code code, const std::string& message);
napi_value makeError(napi_env env, Code code, const std::string& message);
// Throws `code` with its one message (codeMessage); `arg` is the type or slot it names.
inline void throwCode(napi_env env, Code code, uint64_t arg = 0) { throwError(env, code, codeMessage(code, arg)); }
// The same errors for node-addon-api code, to `throw`.
inline Napi::Error codeError(Napi::Env env, Code code, const std::string& message) {
  return Napi::Error(env, makeError(env, code, message));
}
inline Napi::Error codeError(Napi::Env env, Code code, uint64_t arg = 0) { return codeError(env, code, codeMessage(code, arg)); }
// The JS exception a raw helper left pending (they throw and return false), as a
// C++ one for node-addon-api code; an ERR_INVALID_ARG if, oddly, none is pending.
[[noreturn]] inline void rethrow(Napi::Env env) {
  if (env.IsExceptionPending()) throw env.GetAndClearPendingException();
  throw codeError(env, Code::InvalidArg, "the operation failed in Node-API");
}

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

// A page for a copy that outlives the call (async ops): like toPage, then
// pins the view's real backing store, obtained natively (never from a JS
// property such as `view.buffer`): see pinBacking.
bool toPinnedPage(napi_env env, napi_value v, size_t len, uint8_t** data);
// Any view, pinned the same way (registered buffers).
bool toPinnedView(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* len);
// Makes the ArrayBuffer behind a view safe to copy from other threads while JS
// runs: a non-shared resizable one is refused (ERR_BUFFER_RESIZABLE: a resize
// decommits its tail); a fixed one is marked untransferable (a transfer would
// detach it and free its memory). SharedArrayBuffers only grow: accepted as they
// are. A buffer once checked is type-tagged, so later pins cost one tag test.
// Throws and returns false when refused.
bool pinBacking(napi_env env, napi_value buffer, const char* name);

// A TypedArray of type `want` with at least minLen elements; throws ERR_INVALID_ARG otherwise.
bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, size_t minLen, void** out, const char* name);

napi_value boolean(napi_env env, bool b);
napi_value number(napi_env env, double d);
napi_value undefined(napi_env env);
napi_value string(napi_env env, const char* s);

// A method of a bound object: a raw napi_callback (the hot calls, which skip
// node-addon-api's CallbackInfo) or a node-addon-api one (everything else).
// Either way info's data is the object's state.
using NapiMethod = Napi::Value (*)(const Napi::CallbackInfo&);
struct Method {
  const char* name;
  napi_callback fn = nullptr;
  NapiMethod napiFn = nullptr;
};

// An object whose methods get `state` as their data. `state` is destroyed by
// `destroy` once the object and every method function are collected, or when
// the environment is torn down.
napi_value boundObject(napi_env env, void* state, void (*destroy)(void*), std::initializer_list<Method> methods);

// Type tags tell our handle objects apart from anything else JS may pass in.
extern const napi_type_tag kPoolTag;
extern const napi_type_tag kEngineTag;
extern const napi_type_tag kPinnedTag;  // on ArrayBuffers pinBacking has made safe
bool tag(napi_env env, napi_value obj, const napi_type_tag* t);
// Returns the state behind a tagged handle, or throws ERR_INVALID_ARG.
void* untag(napi_env env, napi_value obj, const napi_type_tag* t, const char* what);

}  // namespace napi
}  // namespace frontswap
