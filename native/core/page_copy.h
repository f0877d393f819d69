// The one place bytes move. Stores into a pool much larger than the last-level
// cache use non-temporal (streaming) stores: the page will not be read again soon,
// and skipping the read-for-ownership of each destination line saves a DRAM trip.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace frontswap {

using StreamCopyFn = void (*)(uint8_t* dst, const uint8_t* src, size_t len);
extern const StreamCopyFn streamCopy;  // picked once for this CPU

// dst must be 64-byte aligned and len a multiple of 128 for the streaming path;
// pool pages always are. Anything else falls back to memcpy.
inline void copyPage(uint8_t* dst, const uint8_t* src, size_t len, bool stream) {
  if (stream && (reinterpret_cast<uintptr_t>(dst) & 63) == 0 && (len & 127) == 0) {
    streamCopy(dst, src, len);
  } else {
    std::memcpy(dst, src, len);
  }
}

// Name of the streaming kernel in use ("avx2", "sse2" or "memcpy").
const char* streamCopyKind();

// Last-level cache size in bytes (sysfs first: glibc's cpuid answer is wrong on
// some virtual CPUs), or 0 when unknown.
size_t lastLevelCacheBytes();

}  // namespace frontswap
