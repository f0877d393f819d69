// The kernel's own swap path, timed natively: a forked child maps a region
// (4 KiB pages, or transparent huge pages with MADV_HUGEPAGE), fills it, pushes
// it out with one madvise(MADV_PAGEOUT) and then touches every 4 KiB page once,
// timing each first touch. A child, so its memory can sit in a memory cgroup of
// its own (to reclaim what writeback left in the swap cache before the touches),
// and so the measured process is not a Node process swapping its own heap.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "page_fill.h"
#include "vmstat.h"

namespace frontswap {

struct KernelProbeOptions {
  size_t pages = 0;  // 4 KiB pages; a multiple of 512 when huge
  bool huge = false; // MADV_HUGEPAGE on a 2 MiB-aligned region (else MADV_NOHUGEPAGE)
  Fill fill = Fill::Random;
  uint32_t seed = 1;
  // A memory cgroup directory the child joins before it maps anything, or empty.
  // With one, pages still in the swap cache after MADV_PAGEOUT (writeback to a
  // disk is asynchronous) are reclaimed from the cgroup before the touches, so
  // every touch really reads the swap device.
  std::string cgroupDir;
  // Bound on reclaim rounds while waiting for writeback to finish.
  int maxReclaimRounds = 200;
  // Called in the parent while the region is out (after reclaim, before the
  // touches): the moment to read a device's own statistics.
  std::function<void()> whileOut;
};

struct KernelProbeResult {
  bool ok = false;
  std::string error;
  uint64_t pageoutNs = 0;              // the one madvise(MADV_PAGEOUT) over the region
  uint64_t residentAfterFill = 0;      // 4 KiB pages resident (mincore) after the fill
  uint64_t residentAfterPageout = 0;   // ... right after MADV_PAGEOUT (includes pages still in the swap cache)
  uint64_t residentBeforeTouch = 0;    // ... after reclaim, when the touches start
  uint64_t anonHugeKiB = 0;            // AnonHugePages of the child after the fill (smaps_rollup)
  int reclaimRounds = 0;
  bool intact = false;                 // contents after the touches equal those before the pageout
  std::vector<uint32_t> touchNs;       // one per 4 KiB page, in address order
  VmCounters beforePageout, afterPageout, beforeTouch, afterTouch;
};

KernelProbeResult runKernelProbe(const KernelProbeOptions& options);

// Resident 4 KiB pages of [p, p + bytes) by mincore (a page in the swap cache counts).
uint64_t residentPages(const void* p, size_t bytes);

}  // namespace frontswap
