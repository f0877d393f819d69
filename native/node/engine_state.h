// Native state behind a CopyEngine handle, shared with the front-ends that
// submit through it.
#pragma once
#include <napi.h>
#include <node_api.h>

#include <memory>
#include <vector>

#include "../core/copy_engine.h"
#include "napi_util.h"

namespace frontswap {
namespace napi {

// A page buffer JS registered once (io_uring's fixed buffers): ops name it by id.
struct RegisteredBuffer {
  napi_ref ref = nullptr;  // keeps the view (and so its memory) alive
  uint8_t* data = nullptr;
  size_t len = 0;
  uint32_t checked = 0;    // submit stamp of the last detach check
};

struct EngineState;
// Runs on the JS thread when a worker asked for a wake-up.
void callJs(Napi::Env env, Napi::Function onWake, EngineState* e, void*);

struct EngineState {
  napi_env env = nullptr;
  std::unique_ptr<CopyEngine> engine;
  napi_ref sharedWordsRef = nullptr;  // Int32Array over a SharedArrayBuffer (cannot be detached)
  uint32_t* sharedWords = nullptr;
  // The event-loop wake-up: a worker calls it, JS runs onWake(self). Referenced
  // only while JS waits on it (setWaiting), so an idle engine keeps no process alive.
  using WakeFn = Napi::TypedThreadSafeFunction<EngineState, void, callJs>;
  WakeFn tsfn;
  bool tsfnLive = false;
  bool tsfnRefd = false;
  napi_ref self = nullptr;      // weak: the JS engine object handed to the wake callback
  // Stops the workers when the environment goes away (worker_threads terminate()).
  Napi::Env::CleanupHook<void (*)(EngineState*), EngineState> cleanup;
  bool cleanupHook = false;
  std::vector<RegisteredBuffer> buffers;
  // Registered for raw copies. Weak: registering a pool must not keep it (or
  // its mapping) alive; copies in flight hold it through the engine's accounting.
  std::vector<std::weak_ptr<PagePool>> pools;
  uint32_t stamp = 0;

  // Stops the workers and lets go of every JS resource; idempotent.
  void shutdown();
};

// Resolves a registered buffer range for one op; re-checks the view once per
// submit (stamp) in case its memory was detached. Returns Code::Ok or why not.
Code resolveBuffer(napi_env env, EngineState* e, uint32_t id, uint64_t byteOffset, uint32_t len, uint8_t** out);

EngineState* engineFromHandle(napi_env env, napi_value handle);

}  // namespace napi
}  // namespace frontswap
