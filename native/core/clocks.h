// Clock reads shared by the engine and the region: monotonic time and the CPU
// time of this or another thread, in nanoseconds.
#pragma once
#include <pthread.h>
#include <time.h>

#include <cstdint>

namespace frontswap {

inline uint64_t toNs(const timespec& ts) { return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec); }

inline uint64_t monoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return toNs(ts);
}

inline uint64_t threadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return toNs(ts);
}

// CPU time of a running thread; 0 when it cannot be read.
inline uint64_t threadCpuNsOf(pthread_t t) {
  clockid_t cid;
  timespec ts;
  if (pthread_getcpuclockid(t, &cid) != 0 || clock_gettime(cid, &ts) != 0) return 0;
  return toNs(ts);
}

}  // namespace frontswap
