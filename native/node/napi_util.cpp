#include "napi_util.h"

#include <atomic>
#include <cmath>
#include <cstdio>

namespace frontswap {
namespace napi {

const napi_type_tag kPoolTag = {0x6672736e70f0011cULL, 0x9a3d2b7e41c85f06ULL};
const napi_type_tag kEngineTag = {0x6672736e65e90e0aULL, 0x1c7f52ad93b6e2f4ULL};
const napi_type_tag kPinnedTag = {0x6672736e70696e6eULL, 0x5b0c1e9a7d24f83bULL};

AddonData* addonData(napi_env env) {
  void* d = nullptr;
  napi_get_instance_data(env, &d);
  return static_cast<AddonData*>(d);
}

napi_value makeError(napi_env env, Code code, const std::string& message) {
  napi_value codeStr, msg, err = nullptr;
  napi_create_string_utf8(env, codeName(code), NAPI_AUTO_LENGTH, &codeStr);
  napi_create_string_utf8(env, message.c_str(), message.size(), &msg);
  if (code == Code::InvalidArg) {
    napi_create_type_error(env, codeStr, msg, &err);
    return err;
  }
  if (code == Code::OutOfRange || code == Code::BufferSize) {
    napi_create_range_error(env, codeStr, msg, &err);
    return err;
  }
  AddonData* d = addonData(env);
  napi_value cls;
  if (d && !d->errorClass.IsEmpty() && napi_get_reference_value(env, d->errorClass, &cls) == napi_ok && cls) {
    napi_value argv[2] = {msg, codeStr};
    if (napi_new_instance(env, cls, 2, argv, &err) == napi_ok) return err;
  }
  napi_create_error(env, codeStr, msg, &err);
  return err;
}

void throwError(napi_env env, Code code, const std::string& message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  napi_value err = makeError(env, code, message);
  if (err) napi_throw(env, err);
}

bool args(napi_env env, napi_callback_info info, size_t n, napi_value* argv, void** data, napi_value* self) {
  size_t argc = n;
  return napi_get_cb_info(env, info, &argc, argv, self, data) == napi_ok;
}

namespace {
std::string shortNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}
}  // namespace

void throwIndexError(napi_env env, napi_value v, const char* name, uint64_t max) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throwError(env, Code::InvalidArg, std::string(name) + " must be a number");
    return;
  }
  throwError(env, Code::OutOfRange,
             std::string(name) + " must be an integer from 0 to " + std::to_string(max) + ", got " + shortNumber(d));
}

bool toBool(napi_env env, napi_value v, const char* name, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    throwError(env, Code::InvalidArg, std::string(name) + " must be a boolean");
    return false;
  }
  return true;
}

namespace {

size_t elementBytes(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;
  }
}

// Reads any view; returns false (without throwing) if `v` is not a view.
bool viewInfo(napi_env env, napi_value v, uint8_t** data, size_t* len, napi_value* buffer) {
  napi_typedarray_type t;
  size_t n;
  void* p;
  if (napi_get_typedarray_info(env, v, &t, &n, &p, buffer, nullptr) == napi_ok) {
    *data = static_cast<uint8_t*>(p);
    *len = n * elementBytes(t);
    return true;
  }
  bool isDv = false;
  if (napi_is_dataview(env, v, &isDv) != napi_ok || !isDv) return false;
  if (napi_get_dataview_info(env, v, &n, &p, buffer, nullptr) != napi_ok) return false;
  *data = static_cast<uint8_t*>(p);
  *len = n;
  return true;
}

bool isDetached(napi_env env, napi_value view) {
  uint8_t* d;
  size_t n;
  napi_value buffer = nullptr;
  if (!viewInfo(env, view, &d, &n, &buffer) || !buffer) return false;
  bool detached = false;
  return napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached;
}

}  // namespace

bool viewBytes(napi_env env, napi_value v, uint8_t** data, size_t* len) { return viewInfo(env, v, data, len, nullptr); }

bool toView(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* len) {
  if (!viewInfo(env, v, data, len, nullptr)) {
    throwError(env, Code::InvalidArg, std::string(name) + " must be an ArrayBufferView (TypedArray, Buffer or DataView)");
    return false;
  }
  if (*len == 0 && isDetached(env, v)) {
    throwError(env, Code::BufferDetached, std::string(name) + " is a view over a detached ArrayBuffer");
    return false;
  }
  return true;
}

bool toPage(napi_env env, napi_value v, size_t len, uint8_t** data) {
  size_t n;
  if (viewInfo(env, v, data, &n, nullptr) && n == len) return true;  // the hot path
  if (!toView(env, v, "page", data, &n)) return false;
  throwError(env, Code::BufferSize,
             "page must be exactly " + std::to_string(len) + " bytes (the pool's pageSize), got " + std::to_string(n));
  return false;
}

namespace {

// Calls a captured builtin with `self` as this; false if it threw (left pending).
bool callIntrinsic(napi_env env, const Napi::FunctionReference& fn, napi_value self, napi_value* out) {
  napi_value f;
  return napi_get_reference_value(env, fn, &f) == napi_ok && f && napi_call_function(env, self, f, 0, nullptr, out) == napi_ok;
}

bool callIntrinsicWith(napi_env env, const Napi::FunctionReference& fn, napi_value arg) {
  napi_value f, undef, out;
  napi_get_undefined(env, &undef);
  return napi_get_reference_value(env, fn, &f) == napi_ok && f && napi_call_function(env, undef, f, 1, &arg, &out) == napi_ok;
}

}  // namespace

bool pinBacking(napi_env env, napi_value buffer, const char* name) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, buffer, &kPinnedTag, &tagged) == napi_ok && tagged) return true;  // the hot path
  bool plain = false;  // false for a SharedArrayBuffer
  if (napi_is_arraybuffer(env, buffer, &plain) != napi_ok) return false;
  if (plain) {
    AddonData* d = addonData(env);
    if (!d || d->resizableGetter.IsEmpty() || d->markUntransferable.IsEmpty()) {
      throwError(env, Code::InvalidArg, "the addon was loaded without the TS layer's intrinsics");
      return false;
    }
    napi_value r;
    bool resizable = false;
    if (!callIntrinsic(env, d->resizableGetter, buffer, &r) || napi_get_value_bool(env, r, &resizable) != napi_ok) return false;
    if (resizable) {
      throwError(env, Code::BufferResizable,
                 std::string(name) + " is a view over a resizable ArrayBuffer: a resize while its copy runs would free the "
                 "memory under it (use a fixed-length ArrayBuffer or a SharedArrayBuffer)");
      return false;
    }
    if (!callIntrinsicWith(env, d->markUntransferable, buffer)) return false;
  }
  // Fails only if another addon tagged it first: then it is checked again next time.
  napi_type_tag_object(env, buffer, &kPinnedTag);
  return true;
}

bool toPinnedView(napi_env env, napi_value v, const char* name, uint8_t** data, size_t* len) {
  napi_value buffer = nullptr;
  if (!viewInfo(env, v, data, len, &buffer)) return toView(env, v, name, data, len);  // throws the precise error
  if (*len == 0 && isDetached(env, v)) return toView(env, v, name, data, len);
  return buffer && pinBacking(env, buffer, name);
}

bool toPinnedPage(napi_env env, napi_value v, size_t len, uint8_t** data) {
  size_t n;
  napi_value buffer = nullptr;
  if (viewInfo(env, v, data, &n, &buffer) && n == len) return buffer && pinBacking(env, buffer, "page");
  return toPage(env, v, len, data);  // throws the precise error
}

bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, size_t minLen, void** out, const char* name) {
  napi_typedarray_type t;
  size_t n;
  if (napi_get_typedarray_info(env, v, &t, &n, out, nullptr, nullptr) != napi_ok || t != want || n < minLen) {
    throwError(env, Code::InvalidArg, std::string(name) + " has the wrong type or length");
    return false;
  }
  return true;
}

napi_value boolean(napi_env env, bool b) {
  napi_value r;
  napi_get_boolean(env, b, &r);
  return r;
}

napi_value number(napi_env env, double d) {
  napi_value r;
  napi_create_double(env, d, &r);
  return r;
}

napi_value undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

napi_value string(napi_env env, const char* s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

namespace {

struct Shared {
  std::atomic<int> refs;
  void* state;
  void (*destroy)(void*);
};

void dropRef(napi_env, void* data, void*) {
  Shared* s = static_cast<Shared*>(data);
  if (--s->refs == 0) {
    s->destroy(s->state);
    delete s;
  }
}

}  // namespace

napi_value boundObject(napi_env env, void* state, void (*destroy)(void*), std::initializer_list<Method> methods) {
  Shared* s = new Shared{{1}, state, destroy};
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_wrap(env, obj, s, dropRef, nullptr, nullptr) != napi_ok) {
    destroy(state);
    delete s;
    return nullptr;
  }
  for (const Method& m : methods) {
    napi_value fn;
    // Methods get the state itself as data: one less indirection per call.
    if (m.fn) {
      if (napi_create_function(env, m.name, NAPI_AUTO_LENGTH, m.fn, state, &fn) != napi_ok) return nullptr;
    } else {
      fn = Napi::Function::New(env, m.napiFn, m.name, state);
    }
    s->refs++;
    if (napi_add_finalizer(env, fn, s, dropRef, nullptr, nullptr) != napi_ok) {
      s->refs--;
      return nullptr;
    }
    napi_set_named_property(env, obj, m.name, fn);
  }
  return obj;
}

bool tag(napi_env env, napi_value obj, const napi_type_tag* t) { return napi_type_tag_object(env, obj, t) == napi_ok; }

void* untag(napi_env env, napi_value obj, const napi_type_tag* t, const char* what) {
  bool ok = false;
  napi_valuetype vt;
  void* p = nullptr;
  if (napi_typeof(env, obj, &vt) == napi_ok && vt == napi_object && napi_check_object_type_tag(env, obj, t, &ok) == napi_ok &&
      ok && napi_unwrap(env, obj, &p) == napi_ok && p) {
    return static_cast<Shared*>(p)->state;
  }
  throwError(env, Code::InvalidArg, std::string(what) + " must be a " + what + " handle from this addon");
  return nullptr;
}

}  // namespace napi
}  // namespace frontswap
