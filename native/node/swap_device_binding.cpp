// SwapDevice handle: open, stats, holdings, flushDiscards, close.
#include <cerrno>
#include <cstring>

#include "../core/swap_device.h"
#include "bindings.h"
#include "device_glue.h"
#include "napi_util.h"
#include "wire.h"

namespace frontswap {
namespace napi {

const napi_type_tag kDeviceTag = {0x6672736e64e70001ULL, 0x51c3a7e29d0b4f18ULL};
const napi_type_tag kFrontswapTag = {0x6672736e66730002ULL, 0x8e4b12d7c6a93f25ULL};

namespace {

using DeviceRef = std::shared_ptr<SwapDevice>;

[[noreturn]] void raise(Napi::Env env, Code c, const std::string& message) {
  throw Napi::Error(env, makeError(env, c, message));
}

DeviceRef& deviceOf(const Napi::CallbackInfo& info) { return *static_cast<DeviceRef*>(info.Data()); }

// stats(out: Float64Array(wire::kDeviceStatsFields)) -> the counters in wire::DeviceStat order.
Napi::Value stats(const Napi::CallbackInfo& info) {
  using wire::DeviceStat;
  const DeviceRef& d = deviceOf(info);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[0].As<Napi::TypedArray>().ElementLength() < wire::kDeviceStatsFields)
    raise(info.Env(), Code::InvalidArg, "stats' output must be a Float64Array of " + std::to_string(wire::kDeviceStatsFields));
  double* o = info[0].As<Napi::Float64Array>().Data();
  auto set = [o](DeviceStat k, double v) { o[uint32_t(k)] = v; };
  const SwapDeviceStats& s = d->stats();
  set(DeviceStat::reads, double(s.reads));
  set(DeviceStat::writes, double(s.writes));
  set(DeviceStat::bytesRead, double(s.bytesRead));
  set(DeviceStat::bytesWritten, double(s.bytesWritten));
  set(DeviceStat::readErrors, double(s.readErrors));
  set(DeviceStat::writeErrors, double(s.writeErrors));
  set(DeviceStat::discards, double(s.discards));
  set(DeviceStat::discardedPages, double(s.discardedPages));
  set(DeviceStat::discardErrors, double(s.discardErrors));
  set(DeviceStat::discardNs, double(s.discardNs));
  set(DeviceStat::staleSlots, double(s.staleSlots));
  set(DeviceStat::usedPages, double(d->usedPages()));
  set(DeviceStat::freePages, double(d->freePages()));
  return info.Env().Undefined();
}

Napi::Value holdings(const Napi::CallbackInfo& info) {
  DeviceHoldings h = deviceOf(info)->holdings();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("source", h.source);
  o.Set("heldBytes", double(h.heldBytes));
  o.Set("origBytes", double(h.origBytes));
  o.Set("comprBytes", double(h.comprBytes));
  return o;
}

// While a SwapRegion is attached its threads own the device (frontswap_backend.h):
// closing it would pull the descriptor from under their reads and writes.
void refuseWhileClaimed(Napi::Env env, const SwapDevice& d) {
  if (d.claimed()) raise(env, Code::RegionAttached, "a SwapRegion owns this device: close the region first");
}

Napi::Value flushDiscards(const Napi::CallbackInfo& info) {
  DeviceRef& d = deviceOf(info);
  if (d->closed()) raise(info.Env(), Code::DeviceClosed, "the device is closed");
  refuseWhileClaimed(info.Env(), *d);
  d->quiesce();  // a discard must not overtake I/O in flight on its slots
  return Napi::Number::New(info.Env(), d->flushDiscards());
}

Napi::Value close(const Napi::CallbackInfo& info) {
  DeviceRef& d = deviceOf(info);
  if (!d->closed()) refuseWhileClaimed(info.Env(), *d);
  d->close();
  return info.Env().Undefined();
}

Napi::Value isClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), deviceOf(info)->closed()); }

}  // namespace

std::shared_ptr<SwapDevice>* deviceFromHandle(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &kDeviceTag, &tagged) != napi_ok || !tagged) return nullptr;
  napi_value ext;
  void* data = nullptr;
  if (napi_get_named_property(env, v, "__device", &ext) != napi_ok || napi_get_value_external(env, ext, &data) != napi_ok)
    return nullptr;
  return static_cast<DeviceRef*>(data);
}

napi_value makeErrnoError(napi_env env, int err, const std::string& what) {
  const char* name = strerrorname_np(err);
  std::string code = name ? name : "EIO";
  std::string msg = what + ": " + strerror(err) + " (" + code + ")";
  AddonData* d = addonData(env);
  napi_value cls, argv[2], out = nullptr;
  napi_create_string_utf8(env, msg.c_str(), msg.size(), &argv[0]);
  napi_create_string_utf8(env, code.c_str(), code.size(), &argv[1]);
  if (d && d->errorClass && napi_get_reference_value(env, d->errorClass, &cls) == napi_ok && cls &&
      napi_new_instance(env, cls, 2, argv, &out) == napi_ok) {
    napi_value no;
    napi_create_int32(env, err, &no);
    napi_set_named_property(env, out, "errno", no);
    return out;
  }
  napi_create_error(env, argv[1], argv[0], &out);
  return out;
}

void throwErrnoError(napi_env env, int err, const std::string& what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw(env, makeErrnoError(env, err, what));
}

// createSwapDevice(path, pageSize, pages, discardMode 0|1|2, discardBatch)
napi_value createSwapDevice(napi_env rawEnv, napi_callback_info rawInfo) {
  Napi::CallbackInfo info(rawEnv, rawInfo);
  Napi::Env env = info.Env();
  try {
    if (!info[0].IsString()) raise(env, Code::InvalidArg, "path must be a string");
    for (int i = 1; i <= 4; i++)
      if (!info[i].IsNumber()) raise(env, Code::InvalidArg, "swap device geometry must be numbers");
    SwapDevice::Options o;
    o.path = info[0].As<Napi::String>().Utf8Value();
    if (o.path.empty() || o.path.find('\0') != std::string::npos) raise(env, Code::InvalidArg, "path must be a non-empty path");
    o.pageSize = info[1].As<Napi::Number>().Uint32Value();
    o.pages = info[2].As<Napi::Number>().Uint32Value();
    uint32_t mode = info[3].As<Napi::Number>().Uint32Value();
    if (mode > 2) raise(env, Code::OutOfRange, "discard mode out of range");
    o.discard = DiscardMode(mode);
    o.discardBatch = info[4].As<Napi::Number>().Uint32Value();
    DeviceRef dev;
    std::string message;
    Code c = SwapDevice::open(o, &dev, &message);
    if (c != Code::Ok) raise(env, c, message);

    Napi::Object h = Napi::Object::New(env);
    h.TypeTag(&kDeviceTag);
    DeviceRef* holder = new DeviceRef(dev);
    // Every method and the handle share one holder; it goes with the handle's
    // External, and the methods hold the handle (a property cycle the GC collects).
    h.Set("__device", Napi::External<DeviceRef>::New(env, holder, [](Napi::Env, DeviceRef* r) { delete r; }));
    struct M {
      const char* name;
      Napi::Value (*fn)(const Napi::CallbackInfo&);
    } methods[] = {{"stats", stats}, {"holdings", holdings}, {"flushDiscards", flushDiscards}, {"close", close}, {"isClosed", isClosed}};
    for (const M& m : methods) h.Set(m.name, Napi::Function::New(env, m.fn, m.name, holder));
    h.Set("kind", dev->kind() == DeviceKind::Block ? "block" : "file");
    h.Set("pageSize", dev->pageSize());
    h.Set("capacity", dev->capacity());
    h.Set("logicalBlockSize", dev->logicalBlockSize());
    h.Set("deviceBytes", double(dev->deviceBytes()));
    return h;
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
    return nullptr;
  }
}

}  // namespace napi
}  // namespace frontswap
