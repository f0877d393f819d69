# Optimisation flags: -O3 here and node's common.gypi -fno-omit-frame-pointer;
# CMakeLists.txt builds the addon with the same (ADDON_OPT_FLAGS).
{
  "targets": [
    {
      "target_name": "frontswap",
      "sources": [
        "native/core/cache_control.cpp",
        "native/core/copy_engine.cpp",
        "native/core/frontswap.cpp",
        "native/core/machine_facts.cpp",
        "native/core/mapping.cpp",
        "native/core/numa.cpp",
        "native/core/page_copy.cpp",
        "native/core/page_pool.cpp",
        "native/core/smaps.cpp",
        "native/core/swap_map.cpp",
        "native/node/addon.cpp",
        "native/node/baseline_binding.cpp",
        "native/node/cache_binding.cpp",
        "native/node/call_probe_binding.cpp",
        "native/node/engine_binding.cpp",
        "native/node/frontswap_async.cpp",
        "native/node/frontswap_binding.cpp",
        "native/node/napi_util.cpp",
        "native/node/pool_binding.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=9", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"]
    }
  ]
}
