#include "numa.h"

#include "small_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace frontswap {
namespace {

constexpr int kMaxNodes = 1024;
constexpr int kMpolBind = 2;
constexpr unsigned kMpolMfStrict = 1;

// "0", "0-3,8-11": whether `node` is in the list.
bool inList(const std::string& s, int node) {
  const char* p = s.c_str();
  while (*p) {
    char* end;
    long a = std::strtol(p, &end, 10);
    if (end == p) break;
    long b = a;
    if (*end == '-') {
      p = end + 1;
      b = std::strtol(p, &end, 10);
    }
    if (node >= a && node <= b) return true;
    p = end;
    while (*p == ',' || *p == '\n' || *p == ' ') p++;
  }
  return false;
}

}  // namespace

bool nodeHasMemory(int node) {
  if (node < 0 || node >= kMaxNodes) return false;
  std::string list = readSmallFile("/sys/devices/system/node/has_memory");
  if (list.empty()) list = readSmallFile("/sys/devices/system/node/online");
  if (list.empty()) return node == 0;
  return inList(list, node);
}

bool bindToNode(void* p, size_t len, int node, std::string* message) {
  unsigned long mask[kMaxNodes / (8 * sizeof(unsigned long))] = {};
  mask[size_t(node) / (8 * sizeof(unsigned long))] = 1ul << (size_t(node) % (8 * sizeof(unsigned long)));
  if (::syscall(SYS_mbind, p, len, kMpolBind, mask, (unsigned long)kMaxNodes + 1, kMpolMfStrict) == 0) return true;
  *message = std::string("mbind to NUMA node ") + std::to_string(node) + " failed: " + std::strerror(errno);
  return false;
}

int pagesNode(const void* p, size_t len, size_t step) {
  if (len == 0 || step == 0) return kNoNode;
  size_t count = (len + step - 1) / step;
  size_t stride = 1;
  while (count / stride > 256) stride *= 2;
  std::vector<void*> pages;
  for (size_t i = 0; i < count; i += stride) pages.push_back(const_cast<uint8_t*>(static_cast<const uint8_t*>(p)) + i * step);
  std::vector<int> status(pages.size(), kNoNode);
  if (::syscall(SYS_move_pages, 0, pages.size(), pages.data(), nullptr, status.data(), 0) != 0) return kNoNode;
  int node = status[0];
  for (int s : status) {
    if (s < 0) return kNoNode;
    if (s != node) return kMixedNodes;
  }
  return node;
}

}  // namespace frontswap
