# Optimisation flags: -O3 here and node's common.gypi -fno-omit-frame-pointer;
# CMakeLists.txt builds the addon with the same (ADDON_OPT_FLAGS).
{
  "variables": {
    "have_liburing": "<!(sh -c 'test -z \"$FRONTSWAP_NO_LIBURING\" && pkg-config --exists liburing && echo 1 || echo 0')"
  },
  "targets": [
    {
      "target_name": "frontswap",
      "sources": [
        "native/core/cache_control.cpp",
        "native/core/copy_engine.cpp",
        "native/core/device_guard.cpp",
        "native/core/frontswap.cpp",
        "native/core/frontswap_backend.cpp",
        "native/core/frontswap_uring.cpp",
        "native/core/kernel_swap_probe.cpp",
        "native/core/machine_facts.cpp",
        "native/core/mapping.cpp",
        "native/core/numa.cpp",
        "native/core/small_file.cpp",
        "native/core/page_copy.cpp",
        "native/core/page_fill.cpp",
        "native/core/page_pool.cpp",
        "native/core/region_reclaim.cpp",
        "native/core/region_uring.cpp",
        "native/core/smaps.cpp",
        "native/core/swap_device.cpp",
        "native/core/swap_map.cpp",
        "native/core/uffd.cpp",
        "native/core/uffd_region.cpp",
        "native/core/uring_queue.cpp",
        "native/core/vmstat.cpp",
        "native/node/addon.cpp",
        "native/node/baseline_binding.cpp",
        "native/node/cache_binding.cpp",
        "native/node/call_probe_binding.cpp",
        "native/node/engine_binding.cpp",
        "native/node/frontswap_async.cpp",
        "native/node/frontswap_binding.cpp",
        "native/node/kernel_probe_binding.cpp",
        "native/node/napi_util.cpp",
        "native/node/pool_binding.cpp",
        "native/node/swap_device_binding.cpp",
        "native/node/swap_region_binding.cpp",
        "native/node/uring_binding.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=9", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["have_liburing==1", {
          "defines": ["FRONTSWAP_HAVE_LIBURING"],
          "cflags_cc": ["<!@(pkg-config --cflags liburing)"],
          "libraries": ["<!@(pkg-config --libs liburing)"]
        }]
      ]
    }
  ]
}
