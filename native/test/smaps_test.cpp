#include <sys/mman.h>

#include "check.h"
#include "core/smaps.h"

using namespace frontswap;

static const char* kSmaps =
    "7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
    "Size:               4096 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                4096 kB\n"
    "AnonHugePages:      2048 kB\n"
    "7f0000400000-7f0000600000 rw-p 00000000 00:0f 12   /anon_hugepage (deleted)\n"
    "Size:               2048 kB\n"
    "KernelPageSize:     2048 kB\n"
    "Rss:                   0 kB\n"
    "Private_Hugetlb:    2048 kB\n";

TEST(smaps_parser_reads_the_right_vma) {
  VmaUsage a = parseSmaps(kSmaps, 0x7f0000000000);
  CHECK(a.found);
  CHECK_EQ(a.sizeBytes, uint64_t(4096) * 1024);
  CHECK_EQ(a.kernelPageBytes, uint64_t(4096));
  CHECK_EQ(a.anonHugeBytes, uint64_t(2048) * 1024);
  CHECK_EQ(a.hugetlbBytes, uint64_t(0));
  VmaUsage b = parseSmaps(kSmaps, 0x7f0000400000);
  CHECK(b.found);
  CHECK_EQ(b.kernelPageBytes, uint64_t(2048) * 1024);
  CHECK_EQ(b.hugetlbBytes, uint64_t(2048) * 1024);
  CHECK(parseSmaps(kSmaps, 0x7f0000001000).start == 0x7f0000000000);
  CHECK(!parseSmaps(kSmaps, 0x7f0000700000).found);
}

TEST(smaps_reads_this_process) {
  void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  static_cast<volatile char*>(p)[0] = 1;
  VmaUsage u = readVmaUsage(p);
  CHECK(u.found);
  CHECK(u.sizeBytes >= (1u << 20));
  CHECK(u.rssBytes >= 4096);
  munmap(p, 1 << 20);
}
