// Reading one small kernel file (sysfs, procfs) whole, in one read: the machine
// facts, the NUMA node lists and the hugetlb counters all come this way.
#pragma once
#include <string>

namespace frontswap {

// Up to 4 KiB of `path`, or "" when it cannot be read.
std::string readSmallFile(const char* path);

}  // namespace frontswap
