// userfaultfd, thinly: open a descriptor with write-protect support, register a
// range, and the ioctls that resolve faults. Every call returns an errno (0 = ok)
// so the region can tell a race (EEXIST, EAGAIN) from a failure.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace frontswap {
namespace uffd {

// A non-blocking, close-on-exec userfaultfd with UFFD_FEATURE_PAGEFAULT_FLAG_WP,
// from /dev/userfaultfd or the syscall (kernel faults included: a read(2) into
// region memory must be served too); -1 with `why` filled when neither works.
int open(std::string* why);

// Registers [addr, addr+len) for missing and write-protect faults.
int registerRange(int fd, void* addr, size_t len);
int unregisterRange(int fd, void* addr, size_t len);

// Places a copy of `src` at `dst` (len bytes); `protect` maps it write-protected,
// `wake` wakes the threads waiting on it.
int copy(int fd, void* dst, const void* src, size_t len, bool protect, bool wake);
// Write-protects (protect) or unprotects a range; unprotecting wakes its waiters.
int writeProtect(int fd, void* addr, size_t len, bool protect);
int wake(int fd, void* addr, size_t len);

}  // namespace uffd
}  // namespace frontswap
