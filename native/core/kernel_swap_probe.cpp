#include "kernel_swap_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

namespace frontswap {
namespace {

constexpr size_t kHuge = 2u << 20;
constexpr size_t kMaxPages = (size_t(16) << 30) / kSmallPage;  // 16 GiB

// What the child reports, in memory shared with the parent.
struct Shared {
  uint64_t pageoutNs;
  uint64_t residentAfterFill;
  uint64_t residentAfterPageout;
  uint64_t residentNow;
  uint64_t residentBeforeTouch;
  uint64_t anonHugeKiB;
  int32_t intact;
  char error[256];
  uint32_t touchNs[1];  // `pages` entries
};

uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

bool writeAll(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    s += w;
    n -= size_t(w);
  }
  return true;
}

bool writeFile(const char* path, const char* value) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = writeAll(fd, value, std::strlen(value));
  ::close(fd);
  return ok;
}

bool send(int fd, char c) { return writeAll(fd, &c, 1); }

// The next byte from `fd`, or 0 at EOF / error (the other side died).
char receive(int fd) {
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR) continue;
    return 0;
  }
}

uint64_t anonHugeKiB() {
  char buf[4096];
  int fd = ::open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* at = std::strstr(buf, "AnonHugePages:");
  if (at == nullptr) return 0;
  uint64_t v = 0;
  for (at += 14; *at == ' '; at++) {}
  for (; *at >= '0' && *at <= '9'; at++) v = v * 10 + uint64_t(*at - '0');
  return v;
}

[[noreturn]] void childFail(Shared* sh, int out, const char* what) {
  std::snprintf(sh->error, sizeof(sh->error), "%s: %s", what, std::strerror(errno));
  send(out, 'E');
  _exit(1);
}

// Runs in the forked child: only system calls and the plain loops of this file.
// `procs` (the cgroup's cgroup.procs, or null) is built by the parent: the child allocates nothing.
[[noreturn]] void child(const KernelProbeOptions& o, const char* procs, Shared* sh, int in, int out) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Ctrl-C reaches the whole process group: the parent restores the machine and
  // ends the run; the child just finishes its pass (and dies with the parent).
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  if (procs != nullptr) {
    char pid[24];
    std::snprintf(pid, sizeof(pid), "%d", int(getpid()));
    if (!writeFile(procs, pid)) childFail(sh, out, "joining the memory cgroup");
  }
  size_t bytes = o.pages * kSmallPage;
  // Over-map by one huge page so the region can start on a 2 MiB boundary.
  size_t mapped = bytes + (o.huge ? kHuge : 0);
  void* m = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) childFail(sh, out, "mmap");
  uint8_t* p = static_cast<uint8_t*>(m);
  if (o.huge) p = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(uintptr_t(kHuge) - 1));
  if (madvise(p, bytes, o.huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) childFail(sh, out, "madvise(HUGEPAGE/NOHUGEPAGE)");
  fillPages(p, bytes, o.fill, o.seed);
  uint64_t sum = checksum(p, bytes);
  sh->residentAfterFill = residentPages(p, bytes);
  sh->anonHugeKiB = anonHugeKiB();
  if (!send(out, 'F') || receive(in) != 'G') _exit(2);

  uint64_t t0 = nowNs();
  if (madvise(p, bytes, MADV_PAGEOUT) != 0) childFail(sh, out, "madvise(MADV_PAGEOUT)");
  sh->pageoutNs = nowNs() - t0;
  sh->residentAfterPageout = residentPages(p, bytes);
  if (!send(out, 'P')) _exit(2);
  for (;;) {
    char c = receive(in);
    if (c == 'Q') {
      sh->residentNow = residentPages(p, bytes);
      if (!send(out, 'R')) _exit(2);
    } else if (c == 'G') {
      break;
    } else {
      _exit(2);
    }
  }
  sh->residentBeforeTouch = residentPages(p, bytes);
  for (size_t i = 0; i < o.pages; i++) {
    uint64_t a = nowNs();
    (void)*static_cast<volatile uint8_t*>(p + i * kSmallPage);
    uint64_t d = nowNs() - a;
    sh->touchNs[i] = d > UINT32_MAX ? UINT32_MAX : uint32_t(d);
  }
  sh->intact = checksum(p, bytes) == sum ? 1 : 0;
  send(out, 'T');
  _exit(0);
}

void reclaim(const std::string& dir) {
  // v1: force_empty reclaims all it can; v2: memory.reclaim takes a byte count.
  if (!writeFile((dir + "/memory.force_empty").c_str(), "0")) writeFile((dir + "/memory.reclaim").c_str(), "17179869184");
}

}  // namespace

uint64_t residentPages(const void* p, size_t bytes) {
  size_t pages = (bytes + kSmallPage - 1) / kSmallPage;
  uint64_t n = 0;
  unsigned char vec[4096];
  for (size_t at = 0; at < pages; at += sizeof(vec)) {
    size_t chunk = pages - at < sizeof(vec) ? pages - at : sizeof(vec);
    if (mincore(const_cast<uint8_t*>(static_cast<const uint8_t*>(p)) + at * kSmallPage, chunk * kSmallPage, vec) != 0) return 0;
    for (size_t i = 0; i < chunk; i++) n += vec[i] & 1;
  }
  return n;
}

KernelProbeResult runKernelProbe(const KernelProbeOptions& o) {
  KernelProbeResult r;
  if (o.pages == 0 || o.pages > kMaxPages || (o.huge && o.pages % (kHuge / kSmallPage) != 0)) {
    r.error = "pages must be 1..16 GiB worth of 4 KiB pages, a multiple of 512 for huge pages";
    return r;
  }
  size_t shBytes = sizeof(Shared) + o.pages * sizeof(uint32_t);
  void* shm = mmap(nullptr, shBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) {
    r.error = std::string("mmap of the shared result area: ") + std::strerror(errno);
    return r;
  }
  Shared* sh = static_cast<Shared*>(shm);
  int toChild[2], toParent[2];
  if (pipe2(toChild, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    munmap(shm, shBytes);
    return r;
  }
  if (pipe2(toParent, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    ::close(toChild[0]);
    ::close(toChild[1]);
    munmap(shm, shBytes);
    return r;
  }
  std::string procs = o.cgroupDir.empty() ? std::string() : o.cgroupDir + "/cgroup.procs";
  pid_t pid = fork();
  if (pid == 0) {
    ::close(toChild[1]);
    ::close(toParent[0]);
    child(o, procs.empty() ? nullptr : procs.c_str(), sh, toChild[0], toParent[1]);
  }
  ::close(toChild[0]);
  ::close(toParent[1]);
  int in = toParent[0], out = toChild[1];
  auto fail = [&](const char* what) {
    r.error = sh->error[0] != '\0' ? std::string(sh->error) : std::string(what);
  };
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
  } else if (receive(in) != 'F') {
    fail("the probe child died before the fill was done");
  } else {
    readVmCounters(&r.beforePageout);
    send(out, 'G');
    if (receive(in) != 'P') {
      fail("the probe child died during MADV_PAGEOUT");
    } else {
      readVmCounters(&r.afterPageout);
      bool alive = true;
      uint64_t last = UINT64_MAX;
      for (int round = 0, still = 0; alive; round++) {
        if (!send(out, 'Q') || receive(in) != 'R') alive = false;
        // Stops when all is out, or when ten rounds in a row freed nothing (pages the
        // kernel kept: zero subpages of a split huge page mapped to the zero page).
        still = sh->residentNow < last ? 0 : still + 1;
        last = sh->residentNow;
        if (!alive || sh->residentNow == 0 || o.cgroupDir.empty() || round >= o.maxReclaimRounds || still >= 10) break;
        // Writeback to a disk finishes in its own time: reclaim, and retry a moment later.
        reclaim(o.cgroupDir);
        r.reclaimRounds = round + 1;
        if (round > 0) {
          timespec ts{0, 10 * 1000 * 1000};
          nanosleep(&ts, nullptr);
        }
      }
      if (alive && o.whileOut) o.whileOut();
      readVmCounters(&r.beforeTouch);
      if (!alive || !send(out, 'G') || receive(in) != 'T') {
        fail("the probe child died during the touches");
      } else {
        readVmCounters(&r.afterTouch);
        r.ok = true;
        r.pageoutNs = sh->pageoutNs;
        r.residentAfterFill = sh->residentAfterFill;
        r.residentAfterPageout = sh->residentAfterPageout;
        r.residentBeforeTouch = sh->residentBeforeTouch;
        r.anonHugeKiB = sh->anonHugeKiB;
        r.intact = sh->intact != 0;
        r.touchNs.assign(sh->touchNs, sh->touchNs + o.pages);
      }
    }
  }
  ::close(in);
  ::close(out);
  if (pid > 0) {
    if (!r.ok) kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  }
  munmap(shm, shBytes);
  return r;
}

}  // namespace frontswap
