// SwapDevice and the device backend of Frontswap on a regular file (O_DIRECT,
// PUNCH_HOLE); block devices are covered by the Node suite as root.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "core/frontswap.h"
#include "core/swap_device.h"

using namespace frontswap;

namespace {

// A scratch file on a filesystem with O_DIRECT (the tests' own; removed after).
struct TempPath {
  std::string path;
  TempPath() {
    const char* dir = getenv("FRONTSWAP_TEST_DIR");
    path = std::string(dir ? dir : "/var/tmp") + "/frontswap-native-" + std::to_string(getpid()) + "-" +
           std::to_string(counter()++);
    unlink(path.c_str());
  }
  ~TempPath() { unlink(path.c_str()); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::vector<uint8_t> pattern(uint32_t seed, uint32_t size) {
  std::vector<uint8_t> p(size + 1);  // one spare byte: data() + 1 is an unaligned page
  for (uint32_t i = 0; i < size + 1; i++) p[i] = uint8_t(seed * 131 + i * 7 + (i >> 9));
  return p;
}

std::shared_ptr<SwapDevice> openFile(const std::string& path, uint32_t pages, DiscardMode mode, uint32_t batch = 0,
                                     uint32_t pageSize = 4096) {
  SwapDevice::Options o;
  o.path = path;
  o.pageSize = pageSize;
  o.pages = pages;
  o.discard = mode;
  o.discardBatch = batch;
  std::shared_ptr<SwapDevice> d;
  std::string msg;
  Code c = SwapDevice::open(o, &d, &msg);
  if (c != Code::Ok) std::fprintf(stderr, "  open %s: %s\n", path.c_str(), msg.c_str());
  return d;
}

uint64_t allocatedBytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? uint64_t(st.st_blocks) * 512 : 0;
}

}  // namespace

TEST(swap_device_file_is_created_and_pages_round_trip) {
  TempPath t;
  auto d = openFile(t.path, 8, DiscardMode::None);
  CHECK(d != nullptr);
  if (!d) return;
  CHECK(d->kind() == DeviceKind::File);
  struct stat st;
  CHECK(stat(t.path.c_str(), &st) == 0 && st.st_size == 8 * 4096);
  for (uint32_t s = 0; s < 8; s++) {
    auto p = pattern(s, 4096);
    // Odd slots from an unaligned address: the bounce page must carry them.
    CHECK_EQ(d->writeSlot(s, p.data() + (s & 1)), 0);
  }
  for (uint32_t s = 0; s < 8; s++) {
    auto want = pattern(s, 4096);
    std::vector<uint8_t> got(4097, 0);
    CHECK_EQ(d->readSlot(s, got.data() + (s & 1)), 0);
    CHECK(memcmp(got.data() + (s & 1), want.data() + (s & 1), 4096) == 0);
  }
  CHECK_EQ(d->stats().writes, uint64_t(8));
  CHECK_EQ(d->stats().reads, uint64_t(8));
  CHECK_EQ(d->stats().bytesWritten, uint64_t(8 * 4096));
  d->close();
  CHECK(d->closed());
  d->close();  // idempotent
}

TEST(swap_device_refuses_bad_paths_and_sizes) {
  std::shared_ptr<SwapDevice> d;
  std::string msg;
  SwapDevice::Options o;
  o.pages = 4;
  o.path = "/var/tmp";
  CHECK(SwapDevice::open(o, &d, &msg) == Code::DeviceKind);
  o.path = "/dev/null";
  CHECK(SwapDevice::open(o, &d, &msg) == Code::DeviceKind);
  o.path = "/nonexistent-dir/x";
  CHECK(SwapDevice::open(o, &d, &msg) == Code::DeviceOpenFailed);
  TempPath t;
  o.path = t.path;
  o.pageSize = 6144;
  CHECK(SwapDevice::open(o, &d, &msg) == Code::OutOfRange);
  o.pageSize = 4096;
  o.pages = 0;
  CHECK(SwapDevice::open(o, &d, &msg) == Code::OutOfRange);
  o.pages = 4;
  o.discard = DiscardMode::Batched;
  o.discardBatch = 0;
  CHECK(SwapDevice::open(o, &d, &msg) == Code::OutOfRange);
  CHECK(d == nullptr);
  CHECK(access(t.path.c_str(), F_OK) != 0);  // a refused open leaves no file behind
}

TEST(swap_device_discard_immediate_punches_each_freed_slot) {
  TempPath t;
  auto d = openFile(t.path, 16, DiscardMode::Immediate);
  if (!d) { CHECK(false); return; }
  auto p = pattern(3, 4096);
  std::vector<uint32_t> slots;
  for (int i = 0; i < 16; i++) {
    slots.push_back(d->allocSlot());
    CHECK_EQ(d->writeSlot(slots.back(), p.data()), 0);
  }
  CHECK_EQ(d->allocSlot(), kNoSlot);
  uint64_t full = d->holdings().heldBytes;
  CHECK(full >= 16 * 4096);
  for (uint32_t s : slots) d->releaseSlot(s);
  CHECK_EQ(d->stats().discards, uint64_t(16));
  CHECK_EQ(d->stats().discardedPages, uint64_t(16));
  CHECK_EQ(d->stats().staleSlots, 0u);
  CHECK(d->holdings().heldBytes < full);
  CHECK(allocatedBytes(t.path) < full);
  // A discarded slot reads back as zeros: no old bytes to leak.
  std::vector<uint8_t> got(4096, 0xff);
  CHECK_EQ(d->readSlot(slots[0], got.data()), 0);
  bool zero = true;
  for (uint8_t b : got) zero &= b == 0;
  CHECK(zero);
}

TEST(swap_device_discard_batched_coalesces_and_none_counts_stale) {
  TempPath t1, t2;
  auto b = openFile(t1.path, 16, DiscardMode::Batched, 8);
  auto n = openFile(t2.path, 16, DiscardMode::None);
  if (!b || !n) { CHECK(false); return; }
  auto p = pattern(4, 4096);
  for (int i = 0; i < 16; i++) {
    CHECK_EQ(b->writeSlot(b->allocSlot(), p.data()), 0);
    CHECK_EQ(n->writeSlot(n->allocSlot(), p.data()), 0);
  }
  for (uint32_t s = 0; s < 7; s++) b->releaseSlot(s);
  CHECK_EQ(b->stats().discards, uint64_t(0));
  CHECK_EQ(b->stats().staleSlots, 7u);
  b->releaseSlot(7);  // the eighth: one contiguous range, one call
  CHECK_EQ(b->stats().discards, uint64_t(1));
  CHECK_EQ(b->stats().discardedPages, uint64_t(8));
  CHECK_EQ(b->stats().staleSlots, 0u);
  b->releaseSlot(10);
  b->releaseSlot(12);
  uint32_t again = b->allocSlot();  // reused before the flush: no longer stale, not discarded
  CHECK_EQ(again, 12u);
  CHECK_EQ(b->stats().staleSlots, 1u);
  CHECK_EQ(b->flushDiscards(), 1u);
  CHECK_EQ(b->stats().discardedPages, uint64_t(9));
  CHECK_EQ(b->stats().staleSlots, 0u);

  uint64_t held = n->holdings().heldBytes;
  for (uint32_t s = 0; s < 16; s++) n->releaseSlot(s);
  CHECK_EQ(n->stats().discards, uint64_t(0));
  CHECK_EQ(n->stats().staleSlots, 16u);
  CHECK_EQ(n->holdings().heldBytes, held);  // the stale bytes stay on the device
  n->allocSlot();
  CHECK_EQ(n->stats().staleSlots, 15u);
}

TEST(frontswap_over_a_device_keeps_the_rules) {
  TempPath t;
  auto d = openFile(t.path, 3, DiscardMode::Immediate);
  if (!d) { CHECK(false); return; }
  for (bool exclusive : {false, true}) {
    Frontswap fs(d, exclusive);
    CHECK(!fs.hasPool());
    CHECK(fs.init(0) == Code::Ok);
    bool ok;
    for (uint32_t i = 0; i < 3; i++) CHECK(fs.store(0, i, pattern(i, 4096).data(), &ok) == Code::Ok && ok);
    CHECK(fs.store(0, 9, pattern(9, 4096).data(), &ok) == Code::Ok && !ok);  // full: rejected
    CHECK_EQ(fs.stats().failedStores, uint64_t(1));
    CHECK(fs.store(0, 1, pattern(11, 4096).data(), &ok) == Code::Ok && ok);  // duplicate overwrites
    std::vector<uint8_t> out(4096);
    CHECK(fs.load(0, 1, out.data(), &ok) == Code::Ok && ok);
    CHECK(memcmp(out.data(), pattern(11, 4096).data(), 4096) == 0);
    CHECK_EQ(fs.has(0, 1, &ok) == Code::Ok && ok, !exclusive);
    CHECK(fs.invalidatePage(0, 0, &ok) == Code::Ok && ok);
    const FrontswapStats& s = fs.stats();
    CHECK_EQ(s.storedPages, s.succStores - s.duplicateStores - s.invalidates - s.exclusiveLoads - s.areaInvalidatedPages);
    CHECK_EQ(uint64_t(d->usedPages()), s.storedPages);
    CHECK(fs.invalidateArea(0) == Code::Ok);
    CHECK_EQ(d->usedPages(), 0u);
  }
  d->close();
  Frontswap fs(d, false);
  CHECK(fs.init(0) == Code::DeviceClosed);
}

TEST(frontswap_over_a_device_drops_the_key_of_a_failed_write) {
  TempPath t;
  auto d = openFile(t.path, 4, DiscardMode::None);
  if (!d) { CHECK(false); return; }
  Frontswap fs(d, false);
  fs.init(0);
  bool ok;
  CHECK(fs.store(0, 5, pattern(5, 4096).data(), &ok) == Code::Ok && ok);  // slot 0
  // Writes at or past 8 KiB now fail with EFBIG: slot 0 and 1 work, 2 and 3 fail.
  signal(SIGXFSZ, SIG_IGN);
  rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 2 * 4096;
  setrlimit(RLIMIT_FSIZE, &lim);
  CHECK(fs.store(0, 6, pattern(6, 4096).data(), &ok) == Code::Ok && ok);  // slot 1
  Code c = fs.store(0, 7, pattern(7, 4096).data(), &ok);  // slot 2: fails
  setrlimit(RLIMIT_FSIZE, &old);
  CHECK(c == Code::IoError);
  CHECK(!ok);
  CHECK_EQ(fs.lastErrno(), EFBIG);
  CHECK(fs.has(0, 7, &ok) == Code::Ok && !ok);
  CHECK_EQ(fs.stats().ioErrors, uint64_t(1));
  CHECK_EQ(fs.stats().lostPages, uint64_t(1));
  CHECK_EQ(fs.stats().storedPages, uint64_t(2));
  CHECK_EQ(d->usedPages(), 2u);
  CHECK_EQ(d->stats().writeErrors, uint64_t(1));
  std::vector<uint8_t> out(4096);
  CHECK(fs.load(0, 6, out.data(), &ok) == Code::Ok && ok);
  CHECK(memcmp(out.data(), pattern(6, 4096).data(), 4096) == 0);
}
