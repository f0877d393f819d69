// Page fills, the vmstat reader and the forked kernel swap probe. The probe runs
// here without swap (MADV_PAGEOUT then leaves anonymous pages resident): what is
// checked is the harness — every page touched once, contents intact, the child
// reaped, bad options refused — not the kernel's swap path, which the root tests
// of the kernel bench section exercise.
#include <cstring>
#include <vector>

#include "check.h"
#include "core/kernel_swap_probe.h"
#include "core/page_fill.h"
#include "core/vmstat.h"

using namespace frontswap;

TEST(fill_pages_are_deterministic_and_distinct) {
  std::vector<uint8_t> a(4 * kSmallPage), b(4 * kSmallPage);
  for (Fill f : {Fill::Random, Fill::Text}) {
    fillPages(a.data(), a.size(), f, 7);
    fillPages(b.data(), b.size(), f, 7);
    CHECK(a == b);
    CHECK(std::memcmp(a.data(), a.data() + kSmallPage, kSmallPage) != 0);
    fillPages(b.data(), b.size(), f, 8);
    CHECK(std::memcmp(a.data(), b.data(), kSmallPage) != 0);
    // Page 2 of a fill from page 0 equals page 0 of a fill starting at page 2.
    fillPages(b.data(), kSmallPage, f, 7, 2);
    CHECK(std::memcmp(a.data() + 2 * kSmallPage, b.data(), kSmallPage) == 0);
  }
}

TEST(fill_text_is_printable_and_zero_is_zero) {
  std::vector<uint8_t> p(2 * kSmallPage, 0xff);
  fillPages(p.data(), p.size(), Fill::Text, 3);
  size_t spaces = 0;
  for (uint8_t c : p) {
    CHECK(c == '\n' || (c >= 32 && c < 127));
    spaces += c == ' ';
  }
  CHECK(spaces > p.size() / 16);
  fillPages(p.data(), p.size(), Fill::Zero, 3);
  for (uint8_t c : p) CHECK(c == 0);
}

TEST(checksum_sees_one_changed_byte) {
  std::vector<uint8_t> p(kSmallPage + 3);
  fillPages(p.data(), kSmallPage, Fill::Random, 1);
  uint64_t h = checksum(p.data(), p.size());
  for (size_t i : {size_t(0), size_t(4095), size_t(4097)}) {
    p[i] ^= 1;
    CHECK(checksum(p.data(), p.size()) != h);
    p[i] ^= 1;
  }
  CHECK(checksum(p.data(), p.size()) == h);
}

TEST(vmstat_counters_read_and_never_go_back) {
  VmCounters a, b;
  CHECK(readVmCounters(&a));
  CHECK(a.v[13] > 0);  // pgfault: this process has faulted already
  CHECK(readVmCounters(&b));
  for (int i = 0; i < kVmCounterCount; i++) CHECK(b.v[i] >= a.v[i]);
  CHECK(!readVmCounters(&a, "/nonexistent/vmstat"));
}

TEST(kernel_probe_touches_every_page_once_and_keeps_contents) {
  for (Fill f : {Fill::Random, Fill::Text, Fill::Zero}) {
    KernelProbeOptions o;
    o.pages = 96;
    o.fill = f;
    KernelProbeResult r = runKernelProbe(o);
    CHECK(r.ok);
    CHECK(r.error.empty());
    CHECK(r.intact);
    CHECK(r.touchNs.size() == 96);
    CHECK(r.residentAfterFill == 96);
    CHECK(r.afterTouch.v[13] >= r.beforePageout.v[13]);
  }
}

TEST(kernel_probe_huge_region) {
  KernelProbeOptions o;
  o.pages = 512;
  o.huge = true;
  o.fill = Fill::Text;
  KernelProbeResult r = runKernelProbe(o);
  CHECK(r.ok);
  CHECK(r.intact);
  CHECK(r.touchNs.size() == 512);
}

TEST(kernel_probe_refuses_bad_options_and_reports_child_failure) {
  KernelProbeOptions o;
  o.pages = 0;
  CHECK(!runKernelProbe(o).ok);
  o.pages = 100;
  o.huge = true;
  KernelProbeResult r = runKernelProbe(o);
  CHECK(!r.ok);
  CHECK(r.error.find("multiple of 512") != std::string::npos);
  o.huge = false;
  o.cgroupDir = "/nonexistent/cgroup";
  r = runKernelProbe(o);
  CHECK(!r.ok);
  CHECK(r.error.find("joining the memory cgroup") != std::string::npos);
}
