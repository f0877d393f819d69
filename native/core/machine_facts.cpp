#include "machine_facts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace frontswap {
namespace {

std::string readSmall(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

size_t parseSize(const std::string& s) {  // "32768K" / "1M" / "1048576"
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (end && (*end == 'K' || *end == 'k')) v *= 1024;
  if (end && (*end == 'M' || *end == 'm')) v *= 1024 * 1024;
  return size_t(v);
}

}  // namespace

std::string thpMode() {
  std::string s = readSmall("/sys/kernel/mm/transparent_hugepage/enabled");
  size_t a = s.find('['), b = s.find(']');
  return (a == std::string::npos || b == std::string::npos || b < a) ? "" : s.substr(a + 1, b - a - 1);
}

size_t lastLevelCacheBytes() {
  size_t best = 0;
  long bestLevel = -1;
  for (int i = 0;; i++) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string level = readSmall(dir + "level");
    if (level.empty()) break;
    if (readSmall(dir + "type").rfind("Instruction", 0) == 0) continue;
    long l = std::strtol(level.c_str(), nullptr, 10);
    size_t size = parseSize(readSmall(dir + "size"));
    if (size == 0) continue;
    if (l > bestLevel || (l == bestLevel && size > best)) {
      bestLevel = l;
      best = size;
    }
  }
  if (best == 0) {
    long v = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (v > 0) best = size_t(v);
  }
  return best;
}

}  // namespace frontswap
