// The io_uring path on a regular file: per-slot order, back-pressure, exclusive
// loads against immediate discard, an I/O error mid-batch. Skipped (with a
// line) in a build without liburing.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "check.h"
#include "core/frontswap_uring.h"

using namespace frontswap;

namespace {

std::string tempPath() {
  static int n = 0;
  const char* dir = getenv("FRONTSWAP_TEST_DIR");
  std::string p = std::string(dir ? dir : "/var/tmp") + "/frontswap-uring-" + std::to_string(getpid()) + "-" + std::to_string(n++);
  unlink(p.c_str());
  return p;
}

// Pages by (batch user, op index), as the glue resolves JS views.
struct Pages final : PageSource {
  std::map<std::pair<uint64_t, uint32_t>, std::vector<uint8_t>> pages;
  uint8_t* page(uint64_t user, uint32_t index) override {
    auto it = pages.find({user, index});
    return it == pages.end() ? nullptr : it->second.data();
  }
  std::vector<uint8_t>& at(uint64_t user, uint32_t index, uint8_t fill) {
    auto& v = pages[{user, index}];
    v.assign(4096, fill);
    return v;
  }
};

struct Rig {
  std::string path = tempPath();
  std::shared_ptr<SwapDevice> dev;
  std::shared_ptr<Frontswap> fs;
  std::unique_ptr<FrontswapUring> u;
  Pages pages;
  bool ok = false;
  Rig(uint32_t slots, uint32_t depth, DiscardMode mode, bool exclusive = false) {
    SwapDevice::Options o;
    o.path = path;
    o.pages = slots;
    o.discard = mode;
    std::string msg;
    if (SwapDevice::open(o, &dev, &msg) != Code::Ok) return;
    fs = std::make_shared<Frontswap>(dev, exclusive);
    fs->init(0);
    Code c = FrontswapUring::create(fs, depth, &pages, &u, &msg);
    if (c == Code::UringUnavailable) {
      std::fprintf(stderr, "  skipped: %s\n", msg.c_str());
      return;
    }
    ok = c == Code::Ok;
    if (!ok) std::fprintf(stderr, "  uring: %s\n", msg.c_str());
  }
  ~Rig() {
    u.reset();
    unlink(path.c_str());
  }
  // Runs one batch to completion; returns its results.
  std::vector<int32_t> run(const std::vector<AsyncOp>& ops, uint64_t user) {
    uint32_t b;
    bool now;
    CHECK(u->submit(ops.data(), ops.size(), user, &b, &now) == Code::Ok);
    if (now) {
      std::vector<int32_t> r = u->results(b);
      u->release(b);
      return r;
    }
    std::vector<uint32_t> done;
    for (;;) {
      u->takeFinished(&done);
      for (uint32_t d : done)
        if (d == b) {
          std::vector<int32_t> r = u->results(b);
          u->release(b);
          return r;
        }
      u->queue().drainAll();
    }
  }
};

}  // namespace

#ifdef FRONTSWAP_HAVE_LIBURING
constexpr bool kHaveUring = true;
#else
constexpr bool kHaveUring = false;
#endif

TEST(uring_keeps_per_key_order_within_a_batch) {
  Rig r(4, 8, DiscardMode::Immediate);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  r.pages.at(1, 0, 0x11);
  r.pages.at(1, 1, 0);
  r.pages.at(1, 2, 0x22);
  r.pages.at(1, 3, 0);
  std::vector<AsyncOp> ops = {{AsyncOpKind::Store, 0, 7}, {AsyncOpKind::Load, 0, 7}, {AsyncOpKind::Store, 0, 7},
                              {AsyncOpKind::Load, 0, 7}, {AsyncOpKind::Invalidate, 0, 7}, {AsyncOpKind::Load, 0, 7}};
  auto res = r.run(ops, 1);
  CHECK((res == std::vector<int32_t>{1, 1, 1, 1, 1, 0}));
  // The same again, checking the bytes each load saw.
  r.pages.at(2, 0, 0x33);
  r.pages.at(2, 1, 0);
  r.pages.at(2, 2, 0x44);
  r.pages.at(2, 3, 0);
  res = r.run({ops.begin(), ops.begin() + 4}, 2);
  CHECK((res == std::vector<int32_t>{1, 1, 1, 1}));
  CHECK_EQ(int(r.pages.pages[{2, 1}][100]), 0x33);
  CHECK_EQ(int(r.pages.pages[{2, 3}][100]), 0x44);
  CHECK_EQ(r.fs->stats().storedPages, uint64_t(1));
}

TEST(uring_back_pressure_queues_beyond_the_depth_and_drops_nothing) {
  Rig r(256, 4, DiscardMode::None);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  std::vector<AsyncOp> stores, loads;
  for (uint32_t i = 0; i < 200; i++) {
    r.pages.at(1, i, uint8_t(i));
    r.pages.at(2, i, 0xff);
    stores.push_back({AsyncOpKind::Store, 0, i});
    loads.push_back({AsyncOpKind::Load, 0, i});
  }
  auto a = r.run(stores, 1);
  auto b = r.run(loads, 2);
  int bad = 0;
  for (uint32_t i = 0; i < 200; i++) {
    bad += a[i] != 1 || b[i] != 1;
    bad += r.pages.pages[{2, i}][4095] != uint8_t(i);
  }
  CHECK_EQ(bad, 0);
  CHECK(r.u->queue().stats().waitedOps > 0);
  CHECK(r.u->queue().stats().maxBacklog >= 190);
  CHECK(r.u->queue().stats().submitCalls < 200);  // batches, not one submit per op
  CHECK_EQ(r.u->queue().stats().cqes, uint64_t(400));
}

TEST(uring_exclusive_load_reads_before_its_slot_is_discarded) {
  Rig r(2, 4, DiscardMode::Immediate, true);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  r.pages.at(1, 0, 0x5a);
  r.pages.at(1, 1, 0);
  r.pages.at(1, 2, 0x6b);  // reuses the freed slot at once
  r.pages.at(1, 3, 0);
  auto res = r.run({{AsyncOpKind::Store, 0, 1}, {AsyncOpKind::Load, 0, 1}, {AsyncOpKind::Store, 0, 2}, {AsyncOpKind::Load, 0, 2}}, 1);
  CHECK((res == std::vector<int32_t>{1, 1, 1, 1}));
  CHECK_EQ(int(r.pages.pages[{1, 1}][7]), 0x5a);
  CHECK_EQ(int(r.pages.pages[{1, 3}][7]), 0x6b);
  CHECK_EQ(r.dev->usedPages(), 0u);
  CHECK_EQ(r.dev->stats().staleSlots, 0u);  // both discarded once their reads were done
  CHECK_EQ(r.dev->stats().discardedPages, uint64_t(1));  // slot 0, reused by key 2 in between
}

TEST(uring_io_error_mid_batch_fails_that_op_only) {
  Rig r(4, 8, DiscardMode::None);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  signal(SIGXFSZ, SIG_IGN);
  rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 2 * 4096;  // slots 2 and 3 cannot be written
  setrlimit(RLIMIT_FSIZE, &lim);
  std::vector<AsyncOp> ops;
  for (uint32_t i = 0; i < 3; i++) {
    r.pages.at(1, i, uint8_t(0x10 + i));
    ops.push_back({AsyncOpKind::Store, 0, 100 + i});
  }
  r.pages.at(1, 3, 0);
  r.pages.at(1, 4, 0);
  ops.push_back({AsyncOpKind::Load, 0, 102});  // after the failed write: fails too, never stale
  ops.push_back({AsyncOpKind::Load, 0, 101});
  auto res = r.run(ops, 1);
  setrlimit(RLIMIT_FSIZE, &old);
  CHECK_EQ(res[0], 1);
  CHECK_EQ(res[1], 1);
  CHECK_EQ(res[2], -EFBIG);
  CHECK_EQ(res[3], -EFBIG);
  CHECK_EQ(res[4], 1);
  CHECK_EQ(int(r.pages.pages[{1, 4}][9]), 0x11);
  bool has;
  r.fs->has(0, 102, &has);
  CHECK(!has);  // no key claims bytes it does not have
  CHECK_EQ(r.fs->stats().lostPages, uint64_t(1));
  CHECK_EQ(r.fs->stats().storedPages, uint64_t(2));
  CHECK_EQ(r.dev->usedPages(), 2u);
}
