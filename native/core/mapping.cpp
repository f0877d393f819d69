#include "mapping.h"

#include "numa.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "machine_facts.h"
#include "small_file.h"
#include "smaps.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace frontswap {
namespace {

size_t roundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// A name of its own keeps the kernel from merging the pool with a neighbouring
// mapping, so what smaps says about the VMA is about the pool alone.
void nameIt(uint8_t* p, size_t len) {
  static std::atomic<uint32_t> counter{0};
  char name[48];
  std::snprintf(name, sizeof name, "frontswap-pool-%u", counter.fetch_add(1));
  nameMapping(p, len, name);
}

uint64_t readNumber(const char* path) {
  std::string s = readSmallFile(path);
  return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10);
}

// Touches every page so the kernel backs the range now, not on first use.
void prefaultRange(uint8_t* p, size_t len, size_t step) {
  if (::madvise(p, len, MADV_POPULATE_WRITE) == 0) return;
  for (size_t off = 0; off < len; off += step) {
    // A volatile write the compiler cannot drop; the byte is zero either way.
    *reinterpret_cast<volatile uint8_t*>(p + off) = 0;
  }
}

Code mapHugetlb(size_t len, uint8_t** out, std::string* message) {
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
  if (p != MAP_FAILED) {
    *out = static_cast<uint8_t*>(p);
    return Code::Ok;
  }
  int err = errno;
  const char* dir = "/sys/kernel/mm/hugepages/hugepages-2048kB/";
  uint64_t total = readNumber((std::string(dir) + "nr_hugepages").c_str());
  uint64_t freeP = readNumber((std::string(dir) + "free_hugepages").c_str());
  uint64_t resv = readNumber((std::string(dir) + "resv_hugepages").c_str());
  uint64_t need = len / kHugePageBytes;
  uint64_t avail = freeP > resv ? freeP - resv : 0;
  *message = "MAP_HUGETLB could not map " + std::to_string(need) + " huge page(s) of 2 MiB (" +
             std::strerror(err) + "; " + std::to_string(avail) + " free of " + std::to_string(total) +
             " reserved). Reserve them first, as root: echo " + std::to_string(total + need - avail) +
             " > /proc/sys/vm/nr_hugepages";
  return Code::HugepagesUnavailable;
}

// Maps len bytes at a multiple of `align` (2 MiB for THP, which backs only whole
// aligned extents), between two inaccessible guard pages. Anonymous mappings
// with the same flags merge with their neighbours; behind guards the pool's VMA
// is its own, so what smaps says of it is about the pool alone.
Code mapGuarded(size_t len, size_t align, size_t guard, uint8_t** out, std::string* message) {
  size_t over = len + align + 2 * guard;
  // Writable from the start, so the kernel's commit check refuses an impossible
  // pool here and now, as it would any other mapping.
  void* p = ::mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *message = std::string("mmap of ") + std::to_string(len) + " bytes failed: " + std::strerror(errno);
    return Code::MmapFailed;
  }
  uintptr_t base = reinterpret_cast<uintptr_t>(p);
  uintptr_t data = roundUp(base + guard, align);
  uintptr_t lo = data - guard, hi = data + len + guard;
  if (lo > base) ::munmap(p, lo - base);
  if (base + over > hi) ::munmap(reinterpret_cast<void*>(hi), base + over - hi);
  ::mprotect(reinterpret_cast<void*>(lo), guard, PROT_NONE);
  ::mprotect(reinterpret_cast<void*>(data + len), guard, PROT_NONE);
  *out = reinterpret_cast<uint8_t*>(data);
  return Code::Ok;
}

}  // namespace

const char* backingName(Backing b) {
  switch (b) {
    case Backing::Hugetlb: return "hugetlb";
    case Backing::Thp: return "thp";
    case Backing::Normal: return "normal";
  }
  return "normal";
}

Mapping::Mapping(Mapping&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), bytes_(o.bytes_), mapLen_(o.mapLen_), guard_(o.guard_), backing_(o.backing_) {}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    bytes_ = o.bytes_;
    mapLen_ = o.mapLen_;
    guard_ = o.guard_;
    backing_ = o.backing_;
  }
  return *this;
}

void Mapping::release() {
  if (data_) ::munmap(data_ - guard_, mapLen_ + 2 * guard_);
  data_ = nullptr;
}

// Binds a fresh mapping to the node asked for, before its first fault.
static bool place(const Mapping::Options& opt, uint8_t* p, size_t len, std::string* message) {
  return opt.numaNode < 0 || bindToNode(p, len, opt.numaNode, message);
}

Code Mapping::create(const Options& opt, Mapping* out, std::string* message) {
  if (opt.bytes == 0) {
    *message = "a mapping needs at least one byte";
    return Code::OutOfRange;
  }
  const size_t sys = size_t(::sysconf(_SC_PAGESIZE));
  const bool hugeSized = opt.bytes >= kHugePageBytes;
  Mapping m;
  m.bytes_ = opt.bytes;

  BackingRequest want = opt.backing;
  if (want == BackingRequest::Hugetlb || (want == BackingRequest::Auto && hugeSized)) {
    m.mapLen_ = roundUp(opt.bytes, kHugePageBytes);
    std::string why;
    Code c = mapHugetlb(m.mapLen_, &m.data_, &why);
    if (c == Code::Ok) {
      VmaUsage u = readVmaUsage(m.data_);
      if (!u.found || u.kernelPageBytes != kHugePageBytes) {
        *message = "MAP_HUGETLB succeeded but smaps does not show 2 MiB kernel pages";
        return Code::HugepagesUnavailable;
      }
      m.backing_ = Backing::Hugetlb;
      if (!place(opt, m.data_, m.mapLen_, message)) return Code::NumaNodeUnavailable;
      if (opt.prefault) prefaultRange(m.data_, m.mapLen_, kHugePageBytes);
      *out = std::move(m);
      return Code::Ok;
    }
    if (want == BackingRequest::Hugetlb) {
      *message = why;
      return c;
    }
  }

  std::string mode = thpMode();
  bool thpPossible = mode == "always" || mode == "madvise";
  if (want == BackingRequest::Thp && !thpPossible) {
    *message = "transparent huge pages are " + (mode.empty() ? std::string("not built into this kernel") : "'" + mode + "'") +
               "; enable them with: echo madvise > /sys/kernel/mm/transparent_hugepage/enabled";
    return Code::ThpUnavailable;
  }
  if ((want == BackingRequest::Thp || want == BackingRequest::Auto) && thpPossible && hugeSized) {
    m.mapLen_ = roundUp(opt.bytes, kHugePageBytes);
    m.guard_ = sys;
    Code c = mapGuarded(m.mapLen_, kHugePageBytes, m.guard_, &m.data_, message);
    if (c != Code::Ok) return c;
    nameIt(m.data_, m.mapLen_);
    ::madvise(m.data_, m.mapLen_, MADV_HUGEPAGE);
    if (!place(opt, m.data_, m.mapLen_, message)) return Code::NumaNodeUnavailable;
    // Verify on real faults: the whole range when prefaulting, else the first extent.
    prefaultRange(m.data_, opt.prefault ? m.mapLen_ : kHugePageBytes, sys);
    VmaUsage u = readVmaUsage(m.data_);
    m.backing_ = u.anonHugeBytes > 0 ? Backing::Thp : Backing::Normal;
    *out = std::move(m);
    return Code::Ok;
  }

  m.mapLen_ = roundUp(opt.bytes, sys);
  m.guard_ = sys;
  Code c = mapGuarded(m.mapLen_, sys, m.guard_, &m.data_, message);
  if (c != Code::Ok) return c;
  nameIt(m.data_, m.mapLen_);
  if (thpPossible) ::madvise(m.data_, m.mapLen_, MADV_NOHUGEPAGE);  // 'normal' means 4 KiB pages
  if (!place(opt, m.data_, m.mapLen_, message)) return Code::NumaNodeUnavailable;
  if (opt.prefault) prefaultRange(m.data_, m.mapLen_, sys);
  m.backing_ = Backing::Normal;
  *out = std::move(m);
  return Code::Ok;
}

}  // namespace frontswap
