// Cache control for the benchmark's cold measurements (cache_control.h): evict
// the pages of a JS view a repetition will touch, and the pointer-chase latency
// over a few buffer sizes that shows where the last-level cache really ends.
// Called between timed phases, never inside one: node-addon-api.
#include <napi.h>

#include <vector>

#include "../core/cache_control.h"
#include "bindings.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {

// The page indices of a flush: a Uint32Array, each page inside `pages`.
const uint32_t* pageIndices(Napi::Env env, Napi::Value v, size_t pages, size_t* count) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    throw codeError(env, Code::InvalidArg, "pages must be a Uint32Array of page indices");
  Napi::Uint32Array a = v.As<Napi::Uint32Array>();
  for (size_t i = 0; i < a.ElementLength(); i++)
    if (a[i] >= pages) throw codeError(env, Code::OutOfRange, "page index " + std::to_string(a[i]) + " is outside the memory flushed");
  *count = a.ElementLength();
  return a.Data();
}

size_t flushPageList(uint8_t* base, size_t pageSize, const uint32_t* pages, size_t count) {
  size_t lines = 0;
  for (size_t i = 0; i < count; i++) lines += flushLines(base + size_t(pages[i]) * pageSize, pageSize);
  return lines;
}

namespace {

// flushView(view, pageSize, pages: Uint32Array) -> cache lines flushed
Napi::Value flushView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* data;
  size_t len;
  uint32_t pageSize;
  if (!toView(env, info[0], "view", &data, &len) || !toU32(env, info[1], "pageSize", 1u << 30, &pageSize)) rethrow(env);
  if (pageSize == 0) throw codeError(env, Code::OutOfRange, "pageSize must be at least 1");
  size_t count;
  const uint32_t* pages = pageIndices(env, info[2], len / pageSize, &count);
  return Napi::Number::New(env, double(flushPageList(data, pageSize, pages, count)));
}

// chaseLatency(sizes: Float64Array of bytes, loads) -> Float64Array of ns per load
Napi::Value chase(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw codeError(env, Code::InvalidArg, "sizes must be a Float64Array");
  Napi::Float64Array s = info[0].As<Napi::Float64Array>();
  uint32_t loads;
  if (!toU32(env, info[1], "loads", 1u << 28, &loads)) rethrow(env);
  std::vector<size_t> sizes;
  for (size_t i = 0; i < s.ElementLength(); i++) {
    double b = s[i];
    if (!(b >= 4096 && b <= double(8ull << 30)) || b != double(size_t(b)))
      throw codeError(env, Code::OutOfRange, "sizes must be whole byte counts from 4096 to 8 GiB");
    sizes.push_back(size_t(b));
  }
  std::vector<ChasePoint> pts = chaseLatency(sizes, loads);
  if (pts.size() != sizes.size()) throw codeError(env, Code::MmapFailed, "could not map the buffer the latency probe walks");
  Napi::Float64Array out = Napi::Float64Array::New(env, pts.size());
  for (size_t i = 0; i < pts.size(); i++) out[i] = pts[i].nsPerLoad;
  return out;
}

}  // namespace

void registerCache(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("flushKind", flushKind());
  o.Set("flushView", Napi::Function::New(env, flushView, "flushView"));
  o.Set("chaseLatency", Napi::Function::New(env, chase, "chaseLatency"));
  exports.Set("cache", o);
}

}  // namespace napi
}  // namespace frontswap
