// What the kernel really backs a mapping with, read from /proc/self/smaps.
// THP falls back to 4 KiB pages silently, so a pool never assumes: it asks.
#pragma once
#include <cstdint>
#include <string_view>

namespace frontswap {

struct VmaUsage {
  bool found = false;
  uintptr_t start = 0, end = 0;  // the VMA (it may be larger than what was asked about)
  uint64_t sizeBytes = 0;
  uint64_t rssBytes = 0;
  uint64_t kernelPageBytes = 0;   // 2 MiB for hugetlb, 4 KiB otherwise (THP too)
  uint64_t anonHugeBytes = 0;     // bytes backed by transparent huge pages
  uint64_t hugetlbBytes = 0;      // Private_Hugetlb + Shared_Hugetlb
};

// Parses smaps text for the VMA that contains `addr`.
VmaUsage parseSmaps(std::string_view smaps, uintptr_t addr);

// Reads /proc/self/smaps for the VMA that contains `addr`.
VmaUsage readVmaUsage(const void* addr);

// Names an anonymous mapping ("[anon:name]" in /proc/self/maps, Linux 5.17+).
// Differently named mappings never merge, so smaps speaks of this one alone.
bool nameMapping(void* addr, size_t len, const char* name);

}  // namespace frontswap
