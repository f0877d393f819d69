// kernelProbe.run(options) and kernelProbe.fill(view, kind, seed, firstPage):
// the glue over native/core/kernel_swap_probe and page_fill. Every value from
// JS is checked here; the probe itself runs synchronously (it forks a child and
// waits for it: a benchmark step, not a hot path).
#include <napi.h>

#include <string>

#include "../core/kernel_swap_probe.h"
#include "../core/page_fill.h"
#include "../core/vmstat.h"
#include "bindings.h"

namespace frontswap {
namespace napi {
namespace {

[[noreturn]] void typeError(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  throw e;
}

[[noreturn]] void rangeError(Napi::Env env, const std::string& msg) {
  Napi::Error e = Napi::RangeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  throw e;
}

uint64_t integerIn(Napi::Env env, Napi::Value v, const char* name, double lo, double hi) {
  if (!v.IsNumber()) typeError(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != double(uint64_t(d))) {
    rangeError(env, std::string(name) + " must be an integer in " + std::to_string(uint64_t(lo)) + ".." + std::to_string(uint64_t(hi)));
  }
  return uint64_t(d);
}

Fill fillKind(Napi::Env env, Napi::Value v) {
  if (!v.IsString()) typeError(env, "fill must be 'random', 'text' or 'zero'");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s == "random") return Fill::Random;
  if (s == "text") return Fill::Text;
  if (s == "zero") return Fill::Zero;
  typeError(env, "fill must be 'random', 'text' or 'zero', got '" + s + "'");
}

Napi::Object counters(Napi::Env env, const VmCounters& c) {
  Napi::Object o = Napi::Object::New(env);
  for (int i = 0; i < kVmCounterCount; i++) o.Set(kVmCounterNames[i], Napi::Number::New(env, double(c.v[i])));
  return o;
}

// run({ pages, huge, fill, seed, cgroupDir? }) -> result (ok: false with `error` when the probe failed).
Napi::Value run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) typeError(env, "kernelProbe.run needs an options object");
  Napi::Object opts = info[0].As<Napi::Object>();
  KernelProbeOptions o;
  o.pages = size_t(integerIn(env, opts.Get("pages"), "pages", 1, double((size_t(16) << 30) / kSmallPage)));
  Napi::Value huge = opts.Get("huge");
  if (!huge.IsBoolean()) typeError(env, "huge must be a boolean");
  o.huge = huge.As<Napi::Boolean>().Value();
  if (o.huge && o.pages % 512 != 0) rangeError(env, "pages must be a multiple of 512 (2 MiB) for a huge region");
  o.fill = fillKind(env, opts.Get("fill"));
  o.seed = uint32_t(integerIn(env, opts.Get("seed"), "seed", 0, 4294967295.0));
  Napi::Value cg = opts.Get("cgroupDir");
  if (!cg.IsUndefined() && !cg.IsNull()) {
    if (!cg.IsString()) typeError(env, "cgroupDir must be a string");
    o.cgroupDir = cg.As<Napi::String>().Utf8Value();
    if (o.cgroupDir.empty() || o.cgroupDir[0] != '/' || o.cgroupDir.find('\0') != std::string::npos) {
      typeError(env, "cgroupDir must be an absolute path");
    }
  }
  Napi::Value hook = opts.Get("whileOut");
  if (!hook.IsUndefined() && !hook.IsFunction()) typeError(env, "whileOut must be a function");
  // A throw from the hook must not leave the child waiting: keep it, finish, rethrow.
  Napi::Reference<Napi::Value> thrown;
  bool threw = false;
  // Declared here, not in the if: the hook below refers to it until the probe returns.
  Napi::Function fn;
  if (hook.IsFunction()) {
    fn = hook.As<Napi::Function>();
    o.whileOut = [&]() {
      try {
        fn.Call({});
      } catch (const Napi::Error& e) {
        threw = true;
        thrown = Napi::Persistent(e.Value().As<Napi::Value>());
      }
    };
  }
  KernelProbeResult r = runKernelProbe(o);
  if (threw) throw Napi::Error(env, thrown.Value());
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, r.ok));
  out.Set("error", Napi::String::New(env, r.error));
  if (!r.ok) return out;
  out.Set("pageoutNs", Napi::Number::New(env, double(r.pageoutNs)));
  out.Set("residentAfterFill", Napi::Number::New(env, double(r.residentAfterFill)));
  out.Set("residentAfterPageout", Napi::Number::New(env, double(r.residentAfterPageout)));
  out.Set("residentBeforeTouch", Napi::Number::New(env, double(r.residentBeforeTouch)));
  out.Set("anonHugeKiB", Napi::Number::New(env, double(r.anonHugeKiB)));
  out.Set("reclaimRounds", Napi::Number::New(env, r.reclaimRounds));
  out.Set("intact", Napi::Boolean::New(env, r.intact));
  Napi::Uint32Array touch = Napi::Uint32Array::New(env, r.touchNs.size());
  for (size_t i = 0; i < r.touchNs.size(); i++) touch[i] = r.touchNs[i];
  out.Set("touchNs", touch);
  out.Set("beforePageout", counters(env, r.beforePageout));
  out.Set("afterPageout", counters(env, r.afterPageout));
  out.Set("beforeTouch", counters(env, r.beforeTouch));
  out.Set("afterTouch", counters(env, r.afterTouch));
  return out;
}

// fill(view, kind, seed, firstPage): the probe's page contents, into a JS buffer.
Napi::Value fill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || (!info[0].IsTypedArray() && !info[0].IsDataView())) typeError(env, "fill needs an ArrayBufferView");
  uint8_t* data;
  size_t length;
  if (info[0].IsDataView()) {
    Napi::DataView dv = info[0].As<Napi::DataView>();
    data = static_cast<uint8_t*>(dv.Data());
    length = dv.ByteLength();
  } else {
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    length = ta.ByteLength();
  }
  if (length % kSmallPage != 0) rangeError(env, "the view's length must be a multiple of 4096");
  Fill kind = fillKind(env, info[1]);
  uint32_t seed = uint32_t(integerIn(env, info[2], "seed", 0, 4294967295.0));
  uint64_t first = integerIn(env, info[3], "firstPage", 0, 9007199254740991.0);
  if (length > 0 && data == nullptr) typeError(env, "the view's buffer is detached");
  fillPages(data, length, kind, seed, first);
  return env.Undefined();
}

Napi::Value counterNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, kVmCounterCount);
  for (int i = 0; i < kVmCounterCount; i++) a.Set(uint32_t(i), Napi::String::New(env, kVmCounterNames[i]));
  return a;
}

Napi::Value readCounters(const Napi::CallbackInfo& info) {
  VmCounters c;
  readVmCounters(&c);
  return counters(info.Env(), c);
}

}  // namespace

void registerKernelProbe(napi_env rawEnv, napi_value rawExports) {
  Napi::Env env(rawEnv);
  Napi::Object exports(env, rawExports);
  Napi::Object o = Napi::Object::New(env);
  o.Set("run", Napi::Function::New(env, run, "run"));
  o.Set("fill", Napi::Function::New(env, fill, "fill"));
  o.Set("counterNames", Napi::Function::New(env, counterNames, "counterNames"));
  o.Set("readCounters", Napi::Function::New(env, readCounters, "readCounters"));
  exports.Set("kernelProbe", o);
}

}  // namespace napi
}  // namespace frontswap
