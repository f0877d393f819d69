#include "smaps.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

namespace frontswap {
namespace {

bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// "Rss:                 2048 kB" -> bytes, when `line` starts with `key`.
bool field(std::string_view line, std::string_view key, uint64_t* out) {
  if (line.substr(0, key.size()) != key) return false;
  uint64_t v = 0;
  size_t i = key.size();
  while (i < line.size() && line[i] == ' ') i++;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') v = v * 10 + uint64_t(line[i++] - '0');
  *out = v * 1024;  // smaps reports every size in kB
  return true;
}

uintptr_t parseHex(std::string_view line, size_t* i) {
  uintptr_t v = 0;
  while (*i < line.size() && isHex(line[*i])) {
    char c = line[(*i)++];
    v = v * 16 + uintptr_t(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return v;
}

}  // namespace

VmaUsage parseSmaps(std::string_view text, uintptr_t addr) {
  VmaUsage u;
  bool inside = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && isHex(line[0])) {  // a VMA header: "start-end perms ..."
      if (inside) break;
      size_t i = 0;
      uintptr_t lo = parseHex(line, &i);
      if (i >= line.size() || line[i] != '-') continue;
      i++;
      uintptr_t hi = parseHex(line, &i);
      inside = lo <= addr && addr < hi;
      if (inside) {
        u.found = true;
        u.start = lo;
        u.end = hi;
      }
      continue;
    }
    if (!inside) continue;
    uint64_t v;
    if (field(line, "Size:", &v)) u.sizeBytes = v;
    else if (field(line, "Rss:", &v)) u.rssBytes = v;
    else if (field(line, "KernelPageSize:", &v)) u.kernelPageBytes = v;
    else if (field(line, "AnonHugePages:", &v)) u.anonHugeBytes = v;
    else if (field(line, "Private_Hugetlb:", &v) || field(line, "Shared_Hugetlb:", &v)) u.hugetlbBytes += v;
  }
  return u;
}

VmaUsage readVmaUsage(const void* start) {
  int fd = ::open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return {};
    }
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  ::close(fd);
  return parseSmaps(text, reinterpret_cast<uintptr_t>(start));
}

bool nameMapping(void* addr, size_t len, const char* name) {
  return ::prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, reinterpret_cast<unsigned long>(addr), len,
                 reinterpret_cast<unsigned long>(name)) == 0;
}

}  // namespace frontswap
