// io_uring queue of a device-backed Frontswap: submit(ops, count, views) plans a
// batch and issues its I/O at once; completions wake the event loop through an
// eventfd watched by a uv_poll handle (no thread, no ThreadSafeFunction), and
// one JS callback per finished batch gets its results. The poll handle is
// active only while batches are pending, so an idle queue keeps no process alive.
//
// Teardown: GC (finalizer), process exit and Worker terminate() (an async
// cleanup hook) drain every I/O the kernel holds before anything is freed; no
// JS runs then, and loads still pending land in the staging pages only.
#include <uv.h>

#include <cerrno>
#include <unordered_map>
#include <vector>

#include "../core/frontswap_uring.h"
#include "bindings.h"
#include "device_glue.h"
#include "frontswap_state.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {
namespace {

struct UringState final : PageSource {
  napi_env env = nullptr;
  std::unique_ptr<FrontswapUring> u;
  napi_ref onComplete = nullptr;
  napi_async_context asyncContext = nullptr;
  uv_poll_t* poll = nullptr;  // freed by its close callback
  bool polling = false;
  bool tornDown = false;
  napi_async_cleanup_hook_handle hook = nullptr;
  uint64_t nextUser = 1;
  std::unordered_map<uint64_t, napi_ref> views;  // per batch: its views array, alive until delivered

  uint8_t* page(uint64_t user, uint32_t index) override {
    if (tornDown) return nullptr;
    auto it = views.find(user);
    if (it == views.end()) return nullptr;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    uint8_t* data = nullptr;
    size_t len = 0;
    napi_value arr, v;
    bool ok = napi_get_reference_value(env, it->second, &arr) == napi_ok && arr &&
              napi_get_element(env, arr, index, &v) == napi_ok && viewBytes(env, v, &data, &len) &&
              len == u->frontswap().pageSize();
    napi_close_handle_scope(env, scope);
    return ok ? data : nullptr;  // a detached or resized view: the op fails with EFAULT
  }

  void deliver();
  void updatePolling();
  void tearDown(void (*closed)(uv_handle_t*), void* data);
  bool envClosing = false;  // set by the cleanup hook: the environment frees its own references
  ~UringState() {
    if (envClosing) return;
    for (auto& kv : views) napi_delete_reference(env, kv.second);
    if (onComplete) napi_delete_reference(env, onComplete);
    if (asyncContext) napi_async_destroy(env, asyncContext);
  }
};

void onPoll(uv_poll_t* h, int, int) {
  UringState* s = static_cast<UringState*>(h->data);
  s->u->queue().clearEvent();  // first: a completion after this read signals again
  s->u->queue().reap();
  s->deliver();
}

void UringState::updatePolling() {
  bool want = u && u->liveBatches() > 0 && !tornDown;
  if (want == polling) return;
  polling = want;
  if (want) uv_poll_start(poll, UV_READABLE, onPoll);
  else uv_poll_stop(poll);
}

// Calls onComplete(batchId, results) for every finished batch.
void UringState::deliver() {
  std::vector<uint32_t> done;
  u->takeFinished(&done);
  if (!done.empty()) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value cb, recv;
    napi_get_reference_value(env, onComplete, &cb);
    napi_get_global(env, &recv);  // make_callback wants an object receiver
    for (uint32_t b : done) {
      const std::vector<int32_t>& r = u->results(b);
      napi_value ab, arr, argv[2];
      void* mem;
      napi_create_arraybuffer(env, r.size() * 4, &mem, &ab);
      memcpy(mem, r.data(), r.size() * 4);
      napi_create_typedarray(env, napi_int32_array, r.size(), ab, 0, &arr);
      napi_create_uint32(env, uint32_t(u->user(b)), &argv[0]);
      argv[1] = arr;
      auto it = views.find(u->user(b));
      if (it != views.end()) {
        napi_delete_reference(env, it->second);
        views.erase(it);
      }
      u->release(b);
      napi_value ignored;
      // make_callback: microtasks (the promises it resolves) run before the next
      // batch. It fails only while the environment is going away (the callback
      // itself never throws): then JS is left alone.
      if (napi_make_callback(env, asyncContext, recv, cb, 2, argv, &ignored) != napi_ok) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
        break;
      }
    }
    napi_close_handle_scope(env, scope);
  }
  updatePolling();
}

// Drains, then closes the poll handle; `data` is what `closed` gets (never the
// state, which a finalizer may free before the close callback runs).
void UringState::tearDown(void (*closed)(uv_handle_t*), void* data) {
  tornDown = true;
  u.reset();  // drains: the kernel holds no staging page once this returns
  if (polling) uv_poll_stop(poll);
  polling = false;
  poll->data = data;
  uv_close(reinterpret_cast<uv_handle_t*>(poll), closed);
  poll = nullptr;
}

void freePoll(uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); }

void cleanupHook(napi_async_cleanup_hook_handle handle, void* arg) {
  UringState* s = static_cast<UringState*>(arg);
  s->hook = nullptr;  // removed by the close callback below
  s->envClosing = true;
  s->tearDown(
      [](uv_handle_t* h) {
        napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(h->data));
        delete reinterpret_cast<uv_poll_t*>(h);
      },
      handle);
}

void destroy(void* data) {
  UringState* s = static_cast<UringState*>(data);
  if (!s->tornDown) {
    if (s->hook) napi_remove_async_cleanup_hook(s->hook);
    s->hook = nullptr;
    s->tearDown(freePoll, nullptr);
  }
  delete s;
}

UringState* stateOf(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  void* data;
  args(env, info, n, argv, &data);
  return static_cast<UringState*>(data);
}

// submit(ops: Uint32Array [kind, type, offset] × count, count, views: Array) ->
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
      !typedArray(env, argv[0], napi_uint32_array, size_t(count) * 3, &raw, "ops"))
    return nullptr;
  const uint32_t* w = static_cast<const uint32_t*>(raw);
  const uint32_t ps = s->u->frontswap().pageSize();
  std::vector<AsyncOp> ops(count);
  bool hasPages = false;
  for (uint32_t k = 0; k < count; k++) {
    if (w[3 * k] > 2 || w[3 * k + 1] >= Frontswap::kTypes) {
      throwError(env, Code::OutOfRange, "op " + std::to_string(k) + " names no operation or swap type");
      return nullptr;
    }
    ops[k] = {AsyncOpKind(w[3 * k]), w[3 * k + 1], w[3 * k + 2]};
    hasPages |= ops[k].kind != AsyncOpKind::Invalidate;
  }
  bool isArray = false;
  if (hasPages) napi_is_array(env, argv[2], &isArray);
  for (uint32_t k = 0; hasPages && k < count; k++) {
    if (ops[k].kind == AsyncOpKind::Invalidate) continue;
    napi_value v;
    uint8_t* data;
    if (!isArray || napi_get_element(env, argv[2], k, &v) != napi_ok || !toPage(env, v, ps, &data)) {
      if (!isArray) throwError(env, Code::InvalidArg, "views must be an array");
      return nullptr;
    }
  }
  uint64_t user = s->nextUser++ & 0xffffffffu;
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
    napi_value ab, arr;
    void* mem;
    napi_create_arraybuffer(env, r.size() * 4, &mem, &ab);
    memcpy(mem, r.data(), r.size() * 4);
    napi_create_typedarray(env, napi_int32_array, r.size(), ab, 0, &arr);
    s->u->release(batch);
    return arr;
  }
  s->updatePolling();
  return number(env, double(user));
}

// drain(): waits for every pending I/O; their callbacks follow from the event loop.
napi_value drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  UringState* s = stateOf(env, info, 0, argv);
  if (s->u) s->u->queue().drainAll();
  return undefined(env);
}

// stats(out: Float64Array(8))
napi_value stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  UringState* s = stateOf(env, info, 1, argv);
  void* raw;
  if (!typedArray(env, argv[0], napi_float64_array, 8, &raw, "stats' output")) return nullptr;
  double* o = static_cast<double*>(raw);
  if (!s->u) return undefined(env);
  const UringStats& st = s->u->queue().stats();
  o[0] = double(st.submitCalls);
  o[1] = double(st.sqes);
  o[2] = double(st.cqes);
  o[3] = double(st.waitedOps);
  o[4] = double(st.maxBacklog);
  o[5] = double(s->u->queue().inflight());
  o[6] = double(s->u->queue().pending());
  o[7] = st.fixedBuffers ? 1 : 0;
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
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  s->poll = new uv_poll_t();
  uv_poll_init(loop, s->poll, s->u->queue().eventFd());
  s->poll->data = s.get();
  napi_create_reference(env, argv[2], 1, &s->onComplete);
  napi_value name;
  napi_create_string_utf8(env, "frontswap:uring", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &s->asyncContext);
  napi_add_async_cleanup_hook(env, cleanupHook, s.get(), &s->hook);
  UringState* raw = s.release();
  return boundObject(env, raw, destroy, {{"submit", submit}, {"drain", drain}, {"stats", stats}});
}

}  // namespace napi
}  // namespace frontswap
