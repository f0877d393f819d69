// What the kernel really backs a mapping with, read from /proc/self/smaps.
// THP falls back to 4 KiB pages silently, so a pool never assumes: it asks.
#pragma once
#include <cstdint>
#include <string_view>

namespace frontswap {

struct VmaUsage {
  bool found = false;
  uint64_t sizeBytes = 0;
  uint64_t rssBytes = 0;
  uint64_t kernelPageBytes = 0;   // 2 MiB for hugetlb, 4 KiB otherwise (THP too)
  uint64_t anonHugeBytes = 0;     // bytes backed by transparent huge pages
  uint64_t hugetlbBytes = 0;      // Private_Hugetlb + Shared_Hugetlb
};

// Parses smaps text for the VMA that starts at `start`.
VmaUsage parseSmaps(std::string_view smaps, uintptr_t start);

// Reads /proc/self/smaps for the VMA that starts at `start`.
VmaUsage readVmaUsage(const void* start);

}  // namespace frontswap
