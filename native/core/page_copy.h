// The one place bytes move. Stores into a pool much larger than the last-level
// cache use non-temporal (streaming) stores: the page will not be read again soon,
// and skipping the read-for-ownership of each destination line saves a DRAM trip.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace frontswap {

using CopyFn = void (*)(uint8_t* dst, const uint8_t* src, size_t len);
extern const CopyFn streamCopy;  // non-temporal stores; picked once for this CPU
// Plain vector loads and stores: for a 4 KiB page this beats glibc's memmove,
// which picks `rep movsb` and pays its start-up cost on every call.
extern const CopyFn pageCopy;

// Page sizes are multiples of 128, so the vector paths need no tail. The
// streaming path also wants a 64-byte aligned destination (pool pages are).
inline void copyPage(uint8_t* dst, const uint8_t* src, size_t len, bool stream) {
  if ((len & 127) != 0) {
    std::memcpy(dst, src, len);
  } else if (stream && (reinterpret_cast<uintptr_t>(dst) & 63) == 0) {
    streamCopy(dst, src, len);
  } else {
    pageCopy(dst, src, len);
  }
}

// Name of the streaming kernel in use ("avx2", "sse2" or "memcpy").
const char* streamCopyKind();

}  // namespace frontswap
