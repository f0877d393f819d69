// SwapRegion handle (node-addon-api): a UffdRegion over a Frontswap handle's
// front-end, its memory as an external ArrayBuffer, stats, close, and a native
// touch loop for the benchmark's fault latencies.
//
// Lifetimes: the handle holds its Frontswap handle (the front-end outlives the
// region's backend) and a weak reference to the buffer (detached at close).
// The buffer holds the memory (shared_ptr), so it never points at unmapped
// pages; the TS layer hangs the handle on the buffer, so a live buffer keeps its
// region serving faults. close(), the finalizer and the environment's cleanup
// hook (process.exit, Worker terminate()) all end in UffdRegion::close(), which
// joins the region's threads. The fault and reclaim threads never call into JS:
// nothing here needs a ThreadSafeFunction, and a JS thread stopped in a fault is
// served without its help.
#include <napi.h>
#include <sched.h>
#include <time.h>

#include "../core/frontswap_backend.h"
#include "../core/uffd_region.h"
#include "device_glue.h"
#include "frontswap_state.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

[[noreturn]] void fail(Napi::Env env, Code c, const std::string& message) {
  throw Napi::Error(env, makeError(env, c, message));
}

uint64_t index(const Napi::Value& v, const char* name, uint64_t max) {
  uint64_t out;
  if (!toIndex(v.Env(), v, name, max, &out)) throw Napi::Error(v.Env(), [&] {
      napi_value e;
      napi_get_and_clear_last_exception(v.Env(), &e);
      return e;
    }());
  return out;
}

class SwapRegionWrap : public Napi::ObjectWrap<SwapRegionWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "SwapRegionHandle",
                       {InstanceMethod<&SwapRegionWrap::buffer>("buffer"),
                        InstanceMethod<&SwapRegionWrap::stats>("stats"),
                        InstanceMethod<&SwapRegionWrap::resetLatency>("resetLatency"),
                        InstanceMethod<&SwapRegionWrap::touch>("touch"),
                        InstanceMethod<&SwapRegionWrap::close>("close"),
                        InstanceMethod<&SwapRegionWrap::isClosed>("isClosed")});
  }

  // (frontswapHandle | null, type, bytes, resident, evict, readahead, policy, batch, lowPercent)
  // A null front-end gives the prepared-page backend: the bare userfaultfd floor.
  explicit SwapRegionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SwapRegionWrap>(info) {
    Napi::Env env = info.Env();
    RegionConfig c;
    uint32_t type = uint32_t(index(info[1], "type", Frontswap::kTypes - 1));
    c.bytes = index(info[2], "bytes", uint64_t(1) << 44);
    c.resident = uint32_t(index(info[3], "resident", UINT32_MAX - 1));
    c.evict = EvictMode(index(info[4], "evict", 1));
    c.readahead = uint32_t(index(info[5], "readahead", 256));
    c.policy = VictimPolicy(index(info[6], "policy", 1));
    c.batch = uint32_t(index(info[7], "batch", 1024));
    c.lowPercent = uint32_t(index(info[8], "lowPercent", 50));
    if (c.batch == 0) fail(env, Code::OutOfRange, "batch must be an integer from 1 to 1024");
    std::unique_ptr<RegionBackend> backend;
    if (info[0].IsNull()) {
      backend.reset(new PreparedPageBackend(UffdRegion::kPage));
    } else {
      void* s = untag(env, info[0], &kFrontswapTag, "frontswap");
      if (!s) throw Napi::Error(env, [&] {
          napi_value e;
          napi_get_and_clear_last_exception(env, &e);
          return e;
        }());
      fsRef_ = Napi::Persistent(info[0].As<Napi::Object>());
      std::unique_ptr<FrontswapBackend> fb;
      Code a = FrontswapBackend::attach(static_cast<FrontswapState*>(s)->fs.get(), type, &fb);
      if (a == Code::RegionAttached) fail(env, a, "a SwapRegion already owns this front-end's pool");
      if (a == Code::TypeAlreadyInitialized)
        fail(env, a, "swap type " + std::to_string(type) + " is in use: a SwapRegion needs a type of its own (not init'ed)");
      if (a == Code::OutOfRange) fail(env, a, "a SwapRegion needs a pool or device of 4096-byte pages");
      if (a != Code::Ok) fail(env, a, a == Code::DeviceClosed ? "the device is closed" : "the pool is closed");
      backend = std::move(fb);
    }
    std::string why;
    Code rc = UffdRegion::create(c, std::move(backend), &region_, &why);
    if (rc != Code::Ok) fail(env, rc, why);
    env_ = env;
    hook_ = env.AddCleanupHook(Hook(&SwapRegionWrap::onCleanup), this);
  }

  ~SwapRegionWrap() override { shut(); }

 private:
  using Hook = void (*)(SwapRegionWrap*);
  // The environment is going away (process.exit, Worker terminate()): the
  // hook's data is freed by node-addon-api once this returns.
  static void onCleanup(SwapRegionWrap* self) {
    self->hook_ = {};
    self->shut();
  }

  // Idempotent: joins the threads, gives the pool back.
  void shut() {
    if (region_ && !region_->closed()) region_->close();
    if (!hook_.IsEmpty()) hook_.Remove(Napi::BasicEnv(env_));
  }

  UffdRegion& open(Napi::Env env) {
    if (!region_ || region_->closed()) fail(env, Code::RegionClosed, "the region is closed");
    return *region_;
  }

  Napi::Value buffer(const Napi::CallbackInfo& info) {
    UffdRegion& r = open(info.Env());
    if (!buf_.IsEmpty() && !buf_.Value().IsEmpty()) return buf_.Value();
    auto* hold = new std::shared_ptr<RegionMemory>(r.memory());
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
        info.Env(), r.data(), r.bytes(), [](Napi::Env, void*, std::shared_ptr<RegionMemory>* h) { delete h; }, hold);
    buf_ = Napi::Weak(ab);
    return ab;
  }

  Napi::Value stats(const Napi::CallbackInfo& info) {
    RegionStats s = open(info.Env()).stats();
    Napi::Object o = Napi::Object::New(info.Env());
    auto set = [&](const char* k, double v) { o.Set(k, Napi::Number::New(info.Env(), v)); };
    set("faults", double(s.faults));
    set("backendFaults", double(s.backendFaults));
    set("zeroFaults", double(s.zeroFaults));
    set("writeFaults", double(s.writeFaults));
    set("evictions", double(s.evictions));
    set("cleanDrops", double(s.cleanDrops));
    set("zeroDrops", double(s.zeroDrops));
    set("rejectedEvictions", double(s.rejectedEvictions));
    set("readaheadPages", double(s.readaheadPages));
    set("directReclaims", double(s.directReclaims));
    set("reclaimPasses", double(s.reclaimPasses));
    set("uringSubmits", double(s.uringSubmits));
    set("uringWrites", double(s.uringWrites));
    set("residentPages", s.residentPages);
    set("peakResidentPages", s.peakResident);
    set("pages", s.pages);
    set("highWatermark", s.high);
    set("lowWatermark", s.low);
    set("hardCap", s.hardCap);
    set("latencySamples", double(s.latencyCount));
    set("faultP50Ns", double(s.p50));
    set("faultP99Ns", double(s.p99));
    set("faultP999Ns", double(s.p999));
    set("faultMaxNs", double(s.maxNs));
    set("faultThreadCpuNs", double(s.faultThreadCpuNs));
    set("reclaimCpuNs", double(s.reclaimCpuNs));
    set("engineCpuNs", double(s.engineCpuNs));
    return o;
  }

  Napi::Value resetLatency(const Napi::CallbackInfo& info) {
    open(info.Env()).resetLatency();
    return info.Env().Undefined();
  }

  // touch(pages: Uint32Array, ns: Float64Array | undefined, write: boolean, crossed?: Uint8Array)
  // -> sum of the bytes read. Reads (or increments) one byte of each page,
  // timing each access: a fault as the application sees it, kernel entry and
  // wake-up included. crossed[i] = 1 when, after access i, this thread ran on
  // another CPU than the one the fault thread last served on (meaningful for
  // the accesses that faulted).
  Napi::Value touch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    UffdRegion& r = open(env);
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      fail(env, Code::InvalidArg, "pages must be a Uint32Array");
    Napi::Uint32Array pages = info[0].As<Napi::Uint32Array>();
    double* ns = nullptr;
    if (!info[1].IsUndefined()) {
      if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
          info[1].As<Napi::Float64Array>().ElementLength() < pages.ElementLength())
        fail(env, Code::InvalidArg, "ns must be a Float64Array as long as pages");
      ns = info[1].As<Napi::Float64Array>().Data();
    }
    bool write = info[2].ToBoolean();
    uint8_t* crossed = nullptr;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
          info[3].As<Napi::Uint8Array>().ElementLength() < pages.ElementLength())
        fail(env, Code::InvalidArg, "crossed must be a Uint8Array as long as pages");
      crossed = info[3].As<Napi::Uint8Array>().Data();
    }
    for (size_t i = 0; i < pages.ElementLength(); i++)
      if (pages[i] >= r.pages()) fail(env, Code::OutOfRange, "page " + std::to_string(pages[i]) + " is outside the region");
    uint64_t sum = 0;
    for (size_t i = 0; i < pages.ElementLength(); i++) {
      volatile uint8_t* p = r.data() + size_t(pages[i]) * UffdRegion::kPage + (i & 63) * 64;
      timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      if (write) *p = uint8_t(*p + 1);
      sum += *p;
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (ns) ns[i] = double(b.tv_sec - a.tv_sec) * 1e9 + double(b.tv_nsec - a.tv_nsec);
      if (crossed) crossed[i] = sched_getcpu() != r.lastServeCpu();
    }
    return Napi::Number::New(env, double(sum));
  }

  Napi::Value close(const Napi::CallbackInfo& info) {
    if (!region_ || region_->closed()) return info.Env().Undefined();
    shut();
    if (!buf_.IsEmpty()) {
      Napi::ArrayBuffer ab = buf_.Value();
      if (!ab.IsEmpty() && !ab.IsDetached()) ab.Detach();  // JS sees no more of it
      buf_.Reset();
    }
    fsRef_.Reset();  // region_ no longer uses the front-end
    return info.Env().Undefined();
  }

  Napi::Value isClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), !region_ || region_->closed());
  }

  std::unique_ptr<UffdRegion> region_;
  Napi::ObjectReference fsRef_;
  Napi::Reference<Napi::ArrayBuffer> buf_;
  napi_env env_ = nullptr;
  Napi::Env::CleanupHook<Hook, SwapRegionWrap> hook_;
};

}  // namespace

void registerSwapRegion(napi_env env, napi_value exports) {
  Napi::Env e(env);
  Napi::Object(env, exports).Set("SwapRegionHandle", SwapRegionWrap::define(e));
}

}  // namespace napi
}  // namespace frontswap
