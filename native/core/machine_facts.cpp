#include "machine_facts.h"

#include "small_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace frontswap {
namespace {

size_t parseSize(const std::string& s) {  // "32768K" / "1M" / "1048576"
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (end && (*end == 'K' || *end == 'k')) v *= 1024;
  if (end && (*end == 'M' || *end == 'm')) v *= 1024 * 1024;
  return size_t(v);
}

}  // namespace

std::string thpMode() {
  std::string s = readSmallFile("/sys/kernel/mm/transparent_hugepage/enabled");
  size_t a = s.find('['), b = s.find(']');
  return (a == std::string::npos || b == std::string::npos || b < a) ? "" : s.substr(a + 1, b - a - 1);
}

size_t lastLevelCacheBytes() {
  size_t best = 0;
  long bestLevel = -1;
  for (int i = 0;; i++) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string level = readSmallFile((dir + "level").c_str());
    if (level.empty()) break;
    if (readSmallFile((dir + "type").c_str()).rfind("Instruction", 0) == 0) continue;
    long l = std::strtol(level.c_str(), nullptr, 10);
    size_t size = parseSize(readSmallFile((dir + "size").c_str()));
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
