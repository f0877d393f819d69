#include "small_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace frontswap {

std::string readSmallFile(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

}  // namespace frontswap
