// The machine facts the pool decides on, read from sysfs in one place. The TS
// layer's machineInfo() takes these two from here (through the addon), so the
// pool's decisions, the reports and the tests all see the same numbers.
#pragma once
#include <cstddef>
#include <string>

namespace frontswap {

// The selected THP mode ("always", "madvise", "never"), or "" without THP.
std::string thpMode();

// The largest data-holding cache (instruction caches hold no pages) at the
// highest level cpu0 reports in sysfs; glibc's cpuid answer as a fallback (it is
// wrong on some virtual CPUs); 0 when unknown.
size_t lastLevelCacheBytes();

}  // namespace frontswap
