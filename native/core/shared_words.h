// The words a copy engine shares with JS: an engine-wide block, then one block
// per worker, 64 bytes apart so workers never share a cache line. JS reads them with Atomics.load over an
// Int32Array; native code uses these helpers (GCC atomics on plain memory, which
// is all a SharedArrayBuffer gives us).
#pragma once
#include <cstdint>

namespace frontswap {

namespace sharedWords {
// Block 0 is engine-wide; worker w's block starts at (w + 1) * kStride.
constexpr uint32_t kStride = 16;      // u32 words per block
constexpr uint32_t kArmed = 0;        // header: JS sets 1; the first worker to reach its target swaps it to 0
// Per worker:
constexpr uint32_t kDone = 0;         // worker: copies completed (low 32 bits)
constexpr uint32_t kWakeTarget = 1;   // JS: wake me when done reaches this
constexpr uint32_t kSleeping = 3;     // worker: 1 while parked on its futex
constexpr uint32_t kSleeps = 4;       // worker: times it parked
constexpr uint32_t kWakeups = 5;      // JS thread: futex wakes it issued to this worker
constexpr uint32_t kJsWakes = 6;      // worker: event-loop wake-ups it requested
constexpr uint32_t kSubmitted = 7;    // JS thread: copies handed to the worker's ring (low 32 bits)
constexpr uint32_t kBacklog = 8;      // JS thread: copies waiting for ring space

constexpr uint32_t size(uint32_t workers) { return (workers + 1) * kStride; }
constexpr uint32_t worker(uint32_t w) { return (w + 1) * kStride; }
}  // namespace sharedWords

inline uint32_t loadAcquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline uint32_t loadSeqCst(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
inline void storeRelease(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline void storeSeqCst(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
inline uint32_t exchangeSeqCst(uint32_t* p, uint32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
inline void addRelaxed(uint32_t* p, uint32_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

}  // namespace frontswap
