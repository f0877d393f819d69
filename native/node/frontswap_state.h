// Native state behind a Frontswap handle.
#pragma once
#include <node_api.h>

#include <memory>
#include <vector>

#include "../core/frontswap.h"
#include "engine_state.h"

namespace frontswap {
namespace napi {

struct FrontswapState {
  std::shared_ptr<Frontswap> fs;  // shared with a device front-end's io_uring queue
  EngineState* engine = nullptr;
  napi_ref engineRef = nullptr;  // keeps the engine alive as long as this front-end
  std::vector<uint8_t*> buffers;  // per-op page pointers, resolved before anything changes
  napi_env env = nullptr;
  // Set while a submit checks its ops: pinning calls builtins (pinBacking), and
  // nothing they run may reach `buffers` through a second submit.
  bool submitting = false;

  ~FrontswapState();
};

// Binds `handle` (an engine handle, or undefined for none) to the front-end.
bool attachEngine(napi_env env, FrontswapState* s, napi_value handle);
// submit(ops: Uint32Array, count, views: Array | null, results: Int32Array, waitFor: Uint32Array) -> worker mask
napi_value submitBatch(napi_env env, napi_callback_info info);

}  // namespace napi
}  // namespace frontswap
