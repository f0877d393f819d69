#include "vmstat.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace frontswap {

bool readVmCounters(VmCounters* out, const char* path) {
  *out = VmCounters{};
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  static thread_local char buf[32768];
  size_t len = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf + len, sizeof(buf) - 1 - len);
    if (n <= 0) break;
    len += size_t(n);
    if (len == sizeof(buf) - 1) break;
  }
  ::close(fd);
  buf[len] = '\0';
  bool seen[kVmCounterCount] = {};
  for (char* line = buf; line < buf + len;) {
    char* end = std::strchr(line, '\n');
    if (end == nullptr) end = buf + len;
    char* space = static_cast<char*>(std::memchr(line, ' ', size_t(end - line)));
    if (space != nullptr) {
      size_t nameLen = size_t(space - line);
      for (int i = 0; i < kVmCounterCount; i++) {
        if (std::strlen(kVmCounterNames[i]) == nameLen && std::memcmp(line, kVmCounterNames[i], nameLen) == 0) {
          uint64_t v = 0;
          for (char* c = space + 1; c < end && *c >= '0' && *c <= '9'; c++) v = v * 10 + uint64_t(*c - '0');
          out->v[i] = v;
          seen[i] = true;
        }
      }
    }
    line = end + 1;
  }
  out->complete = true;
  for (bool s : seen) out->complete = out->complete && s;
  return true;
}

}  // namespace frontswap
