// io_uring queue of a device-backed Frontswap: submit(ops, count, views) plans a
// batch and issues its I/O at once. The ring signals an eventfd; one waiter
// thread sleeps on it, refills the ring from the ops waiting beyond the queue
// depth at once (UringQueue::refill: the device keeps the depth in flight while
// JS has not woken yet), and wakes JS through a ThreadSafeFunction at most once
// until JS has reaped (completions are peeked from the CQ ring, no syscall each),
// and one JS callback per finished batch gets its results. The function is
// referenced only while batches are pending, so an idle queue keeps no process alive.
//
// Teardown: GC (finalizer), process exit and Worker terminate() (an env cleanup
// hook) stop the waiter, then drain every I/O the kernel holds before anything
// is freed; no JS runs then, and loads still pending land in staging pages only.
// Raw Node-API, like the other per-batch paths: submit() is on the hot path.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../core/frontswap_uring.h"
#include "bindings.h"
#include "device_glue.h"
#include "frontswap_state.h"
#include "napi_util.h"
#include "wire.h"

namespace frontswap {
namespace napi {
namespace {

// A batch's per-op results as an Int32Array (0, or -errno).
napi_value resultsArray(napi_env env, const std::vector<int32_t>& r) {
  napi_value ab, arr;
  void* mem;
  napi_create_arraybuffer(env, r.size() * 4, &mem, &ab);
  if (!r.empty()) memcpy(mem, r.data(), r.size() * 4);  // an empty batch has no memory to copy to (mem may be null)
  napi_create_typedarray(env, napi_int32_array, r.size(), ab, 0, &arr);
  return arr;
}

struct UringState final : PageSource {
  napi_env env = nullptr;
  std::unique_ptr<FrontswapUring> u;
  napi_threadsafe_function tsfn = nullptr;
  bool tsfnRefd = false;
  std::thread waiter;
  int stopFd = -1;
  std::atomic<bool> posted{false};  // a wake-up is queued and JS has not reaped yet
  bool tornDown = false;
  bool cleanupHook = false;
  uint64_t nextUser = 1;
  std::unordered_map<uint64_t, napi_ref> views;  // per batch: its views array, alive until delivered

  // Page pointers resolved at submit, on the JS thread: nothing here calls into
  // Node-API, since reaping may run while the environment is going away. The
  // views array is held (views) and its buffers marked untransferable by the TS
  // layer, so the memory stays where it was until the batch is delivered.
  std::unordered_map<uint64_t, std::vector<uint8_t*>> pages;
  uint8_t* page(uint64_t user, uint32_t index) override {
    if (tornDown) return nullptr;
    auto it = pages.find(user);
    return it == pages.end() || index >= it->second.size() ? nullptr : it->second[index];
  }

  void wait();
  void deliver(napi_value cb);
  void updateRef();
  void tearDown();
  ~UringState() {
    for (auto& kv : views) napi_delete_reference(env, kv.second);
  }
};

// The waiter thread: sleeps on the ring's eventfd, wakes JS once per reaping.
void UringState::wait() {
  pollfd fds[2] = {{u->queue().eventFd(), POLLIN, 0}, {stopFd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents & POLLIN) {
      u->queue().clearEvent();  // consumed before refilling: a later completion signals again
      u->queue().refill();
      // Posted even when this refill landed nothing: JS may have reaped these
      // completions itself (a sync call drains the queue) and still owes their batches a delivery.
      if (!posted.exchange(true)) napi_call_threadsafe_function(tsfn, nullptr, napi_tsfn_nonblocking);
    }
  }
}

void UringState::updateRef() {
  bool want = u && u->liveBatches() > 0 && !tornDown;
  if (want == tsfnRefd || !tsfn) return;
  if (want) napi_ref_threadsafe_function(env, tsfn);
  else napi_unref_threadsafe_function(env, tsfn);
  tsfnRefd = want;
}

// On the JS thread: reap, then onComplete(batchId, results) for every finished batch.
void UringState::deliver(napi_value cb) {
  posted.store(false);  // before reaping: a completion after this wakes JS again
  u->queue().reap();
  std::vector<uint32_t> done;
  u->takeFinished(&done);
  napi_value recv;
  napi_get_undefined(env, &recv);
  for (uint32_t b : done) {
    const std::vector<int32_t>& r = u->results(b);
    napi_value arr = resultsArray(env, r), argv[2];
    napi_create_uint32(env, uint32_t(u->user(b)), &argv[0]);
    argv[1] = arr;
    auto it = views.find(u->user(b));
    if (it != views.end()) {
      napi_delete_reference(env, it->second);
      views.erase(it);
    }
    pages.erase(u->user(b));
    u->release(b);
    napi_value ignored;
    // The callback only resolves promises; it fails only while the environment goes away.
    if (napi_call_function(env, recv, cb, 2, argv, &ignored) != napi_ok) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
      break;
    }
  }
  updateRef();
}

void callJs(napi_env env, napi_value cb, void* ctx, void*) {
  if (!env) return;  // the function is being torn down
  UringState* s = static_cast<UringState*>(ctx);
  if (!s->tornDown && s->u) s->deliver(cb);
}

void UringState::tearDown() {
  if (tornDown) return;
  tornDown = true;
  if (waiter.joinable()) {
    uint64_t one = 1;
    (void)!write(stopFd, &one, sizeof one);
    waiter.join();
  }
  if (stopFd >= 0) close(stopFd);
  stopFd = -1;
  if (u) u->forgetPages();
  if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
  tsfn = nullptr;
  u.reset();  // drains: the kernel holds no staging page once this returns
}

void envCleanup(void* arg) {
  UringState* s = static_cast<UringState*>(arg);
  s->cleanupHook = false;  // Node removes it itself
  s->tearDown();
}

void destroy(void* data) {
  UringState* s = static_cast<UringState*>(data);
  if (s->cleanupHook) napi_remove_env_cleanup_hook(s->env, envCleanup, s);
  s->tearDown();
  delete s;
}

UringState* stateOf(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  void* data;
  args(env, info, n, argv, &data);
  return static_cast<UringState*>(data);
}

// submit(ops: Uint32Array of wire::kDevOpWords words (kind, type, offset) × count, count, views: Array) ->
// an Int32Array of results when no I/O was needed, else the batch id the callback names.
napi_value submit(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  UringState* s = stateOf(env, info, 3, argv);
  if (s->tornDown) {
    throwError(env, Code::DeviceClosed, "the environment is closing");
    return nullptr;
  }
  uint32_t count;
  void* raw;
  if (!toU32(env, argv[1], "count", 1u << 24, &count) ||
      !typedArray(env, argv[0], napi_uint32_array, size_t(count) * wire::kDevOpWords, &raw, "ops"))
    return nullptr;
  const uint32_t* w = static_cast<const uint32_t*>(raw);
  const uint32_t ps = s->u->frontswap().pageSize();
  std::vector<AsyncOp> ops(count);
  bool hasPages = false;
  for (uint32_t k = 0; k < count; k++, w += wire::kDevOpWords) {
    if (w[0] > wire::kDevInvalidate || w[1] >= Frontswap::kTypes) {
      throwError(env, Code::OutOfRange, "op " + std::to_string(k) + " names no operation or swap type");
      return nullptr;
    }
    ops[k] = {AsyncOpKind(w[0]), w[1], w[2]};
    hasPages |= ops[k].kind != AsyncOpKind::Invalidate;
  }
  bool isArray = false;
  if (hasPages) napi_is_array(env, argv[2], &isArray);
  std::vector<uint8_t*> ptrs(hasPages ? count : 0, nullptr);
  for (uint32_t k = 0; hasPages && k < count; k++) {
    if (ops[k].kind == AsyncOpKind::Invalidate) continue;
    napi_value v;
    if (!isArray || napi_get_element(env, argv[2], k, &v) != napi_ok || !toPage(env, v, ps, &ptrs[k])) {
      if (!isArray) throwError(env, Code::InvalidArg, "views must be an array");
      return nullptr;
    }
  }
  uint64_t user = s->nextUser++ & 0xffffffffu;
  if (hasPages) s->pages[user] = std::move(ptrs);
  uint32_t batch;
  bool done;
  // Pages resolve through the views array while the batch runs: hold it first.
  napi_ref ref = nullptr;
  if (hasPages) {
    napi_create_reference(env, argv[2], 1, &ref);
    s->views[user] = ref;
  }
  Code c = s->u->submit(ops.data(), count, user, &batch, &done);
  if (c != Code::Ok || done) {
    s->pages.erase(user);
    if (ref) {
      s->views.erase(user);
      napi_delete_reference(env, ref);
    }
  }
  if (c != Code::Ok) {
    throwError(env, c, c == Code::DeviceClosed ? "the device is closed"
                       : c == Code::TypeNotInitialized ? "a swap type in the batch is not initialized"
                                                       : "bad batch");
    return nullptr;
  }
  if (done) {
    const std::vector<int32_t>& r = s->u->results(batch);
    napi_value arr = resultsArray(env, r);
    s->u->release(batch);
    return arr;
  }
  s->updateRef();
  return number(env, double(user));
}

// drain(): waits for every pending I/O; their callbacks follow from the event loop.
napi_value drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  UringState* s = stateOf(env, info, 0, argv);
  if (s->u) s->u->queue().drainAll();
  return undefined(env);
}

// stats(out: Float64Array(wire::kUringStatsFields)) -> the counters in wire::UringStat order.
napi_value stats(napi_env env, napi_callback_info info) {
  using wire::UringStat;
  napi_value argv[1];
  UringState* s = stateOf(env, info, 1, argv);
  void* raw;
  if (!typedArray(env, argv[0], napi_float64_array, wire::kUringStatsFields, &raw, "stats' output")) return nullptr;
  double* o = static_cast<double*>(raw);
  if (!s->u) return undefined(env);
  auto set = [o](UringStat k, double v) { o[uint32_t(k)] = v; };
  const UringStats st = s->u->queue().stats();
  set(UringStat::submitCalls, double(st.submitCalls));
  set(UringStat::sqes, double(st.sqes));
  set(UringStat::cqes, double(st.cqes));
  set(UringStat::waitedOps, double(st.waitedOps));
  set(UringStat::maxBacklog, double(st.maxBacklog));
  set(UringStat::inflight, double(s->u->queue().inflight()));
  set(UringStat::pending, double(s->u->queue().pending()));
  set(UringStat::fixedBuffers, st.fixedBuffers ? 1 : 0);
  set(UringStat::refills, double(st.refills));
  set(UringStat::refilledSqes, double(st.refilledSqes));
  set(UringStat::writeP50Ns, double(st.writeLatency.quantile(0.5)));
  set(UringStat::writeP99Ns, double(st.writeLatency.quantile(0.99)));
  set(UringStat::readP50Ns, double(st.readLatency.quantile(0.5)));
  set(UringStat::readP99Ns, double(st.readLatency.quantile(0.99)));
  return undefined(env);
}

}  // namespace

// createDeviceUring(frontswapHandle, queueDepth, onComplete(batchId, results))
napi_value createDeviceUring(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  args(env, info, 3, argv);
  void* fsData = untag(env, argv[0], &kFrontswapTag, "Frontswap");
  if (!fsData) return nullptr;
  napi_valuetype t;
  uint32_t depth;
  if (!toU32(env, argv[1], "queueDepth", 4096, &depth)) return nullptr;
  napi_typeof(env, argv[2], &t);
  if (t != napi_function) {
    throwError(env, Code::InvalidArg, "onComplete must be a function");
    return nullptr;
  }
  FrontswapState* fsState = static_cast<FrontswapState*>(fsData);
  std::unique_ptr<UringState> s(new UringState());
  s->env = env;
  std::string message;
  Code c = FrontswapUring::create(fsState->fs, depth, s.get(), &s->u, &message);
  if (c != Code::Ok) {
    throwError(env, c, message);
    return nullptr;
  }
  napi_value name;
  napi_create_string_utf8(env, "frontswap:uring", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[2], nullptr, name, 0, 1, nullptr, nullptr, s.get(), callJs, &s->tsfn) != napi_ok) {
    throwError(env, Code::ThreadsUnavailable, "cannot create the completion callback");
    return nullptr;
  }
  napi_unref_threadsafe_function(env, s->tsfn);  // referenced only while batches are pending
  s->stopFd = eventfd(0, EFD_CLOEXEC);
  try {
    if (s->stopFd < 0) throw std::system_error(errno, std::generic_category());
    UringState* st = s.get();
    s->waiter = std::thread([st] { st->wait(); });
  } catch (const std::system_error&) {
    s->tearDown();
    throwError(env, Code::ThreadsUnavailable, "cannot start the io_uring completion thread");
    return nullptr;
  }
  s->cleanupHook = napi_add_env_cleanup_hook(env, envCleanup, s.get()) == napi_ok;
  UringState* raw = s.release();
  return boundObject(env, raw, destroy, {{"submit", submit}, {"drain", drain}, {"stats", stats}});
}

}  // namespace napi
}  // namespace frontswap
