#include "uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

namespace frontswap {
namespace uffd {
namespace {

int ioctlErr(int fd, unsigned long req, void* arg) { return ioctl(fd, req, arg) == 0 ? 0 : errno; }

// The API handshake; false with `why` when the kernel lacks anonymous write-protect.
bool handshake(int fd, std::string* why) {
  uffdio_api api{};
  api.api = UFFD_API;
  api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
  if (ioctl(fd, UFFDIO_API, &api) != 0) {
    *why = std::string("UFFDIO_API with write-protect faults failed (") + strerror(errno) +
           "): the kernel needs anonymous userfaultfd write-protect (Linux 5.7 or later)";
    return false;
  }
  return true;
}

}  // namespace

int open(std::string* why) {
  std::string devWhy, sysWhy;
  int fd = -1;
  int dev = ::open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
  if (dev >= 0) {
    fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) devWhy = std::string("USERFAULTFD_IOC_NEW: ") + strerror(errno);
    ::close(dev);
  } else {
    devWhy = std::string("/dev/userfaultfd: ") + strerror(errno);
  }
  if (fd < 0) {
    fd = int(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
    if (fd < 0) sysWhy = std::string("userfaultfd(2): ") + strerror(errno);
  }
  if (fd < 0) {
    *why = devWhy + "; " + sysWhy +
           " (userfaultfd needs root, access to /dev/userfaultfd, or vm.unprivileged_userfaultfd = 1)";
    return -1;
  }
  if (!handshake(fd, why)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int registerRange(int fd, void* addr, size_t len) {
  uffdio_register r{};
  r.range.start = uintptr_t(addr);
  r.range.len = len;
  r.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
  return ioctlErr(fd, UFFDIO_REGISTER, &r);
}

int unregisterRange(int fd, void* addr, size_t len) {
  uffdio_range r{uintptr_t(addr), len};
  return ioctlErr(fd, UFFDIO_UNREGISTER, &r);
}

int copy(int fd, void* dst, const void* src, size_t len, bool protect, bool wake) {
  uffdio_copy c{};
  c.dst = uintptr_t(dst);
  c.src = uintptr_t(src);
  c.len = len;
  c.mode = (protect ? UFFDIO_COPY_MODE_WP : 0) | (wake ? 0 : UFFDIO_COPY_MODE_DONTWAKE);
  return ioctlErr(fd, UFFDIO_COPY, &c);
}

int writeProtect(int fd, void* addr, size_t len, bool protect) {
  uffdio_writeprotect w{};
  w.range.start = uintptr_t(addr);
  w.range.len = len;
  w.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
  return ioctlErr(fd, UFFDIO_WRITEPROTECT, &w);
}

int wake(int fd, void* addr, size_t len) {
  uffdio_range r{uintptr_t(addr), len};
  return ioctlErr(fd, UFFDIO_WAKE, &r);
}

}  // namespace uffd
}  // namespace frontswap
