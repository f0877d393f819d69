// The /proc/vmstat counters that say where swapped pages went.
#pragma once
#include <cstdint>

namespace frontswap {

// pswpin/pswpout: pages read from / written to a swap block device (disk or zram);
// zswpin/zswpout: pages loaded from / stored in zswap; swpin_zero/swpout_zero:
// zero-filled pages the swap core kept as a bit instead; thp_*: what happened to
// huge folios (swapped out whole, or split first).
constexpr const char* kVmCounterNames[] = {
    "pswpin", "pswpout", "zswpin", "zswpout", "zswpwb", "swpin_zero", "swpout_zero", "thp_swpout",
    "thp_swpout_fallback", "thp_split_page", "thp_fault_alloc", "thp_fault_fallback", "pgmajfault", "pgfault"};
constexpr int kVmCounterCount = sizeof(kVmCounterNames) / sizeof(kVmCounterNames[0]);

struct VmCounters {
  uint64_t v[kVmCounterCount] = {};
  // False when a counter was missing (an older kernel): its value is 0.
  bool complete = false;
};

// Reads /proc/vmstat (or `path`) without allocating: safe in a forked child.
bool readVmCounters(VmCounters* out, const char* path = "/proc/vmstat");

}  // namespace frontswap
