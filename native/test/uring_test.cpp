// The io_uring path on a regular file: per-slot order, back-pressure, exclusive
// loads against immediate discard, an I/O error mid-batch. Skipped (with a
// line) in a build without liburing.
#include <sys/resource.h>
#include <unistd.h>

#include <poll.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <thread>
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

namespace {

// Stands in for the glue's waiter thread: refills on every eventfd signal until told to stop.
struct Refiller {
  UringQueue& q;
  std::atomic<bool> stop{false};
  std::thread t;
  explicit Refiller(UringQueue& queue) : q(queue), t([this] { run(); }) {}
  void run() {
    pollfd p = {q.eventFd(), POLLIN, 0};
    while (!stop.load()) {
      if (poll(&p, 1, 5) <= 0) continue;  // the timeout only lets it see stop
      q.clearEvent();
      q.refill();
    }
  }
  ~Refiller() {
    stop.store(true);
    t.join();
  }
};

}  // namespace

TEST(uring_refill_issues_waiting_ops_before_the_owner_reaps) {
  Rig r(16, 4, DiscardMode::None);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  std::vector<AsyncOp> ops;
  for (uint32_t i = 0; i < 8; i++) {
    r.pages.at(1, i, uint8_t(0x40 + i));
    ops.push_back({AsyncOpKind::Store, 0, i});
  }
  uint32_t b;
  bool now;
  CHECK(r.u->submit(ops.data(), ops.size(), 1, &b, &now) == Code::Ok);
  CHECK(!now);
  CHECK_EQ(r.u->queue().inflight(), 4u);  // the depth; 4 wait
  // Another thread, alone, takes the kernel's completions and issues the 4
  // waiting writes: all 8 reach the device while the owner does nothing.
  std::thread t([&] {
    pollfd p = {r.u->queue().eventFd(), POLLIN, 0};
    while (r.u->queue().stats().cqes < 8) {
      poll(&p, 1, -1);
      r.u->queue().clearEvent();
      r.u->queue().refill();
    }
  });
  t.join();
  UringStats st = r.u->queue().stats();
  CHECK_EQ(st.sqes, uint64_t(8));
  CHECK_EQ(st.refilledSqes, uint64_t(4));
  CHECK_EQ(r.u->queue().pending(), size_t(8));  // landed, not yet completed: the owner completes them
  std::vector<uint32_t> done;
  r.u->takeFinished(&done);
  CHECK(done.empty());
  r.u->queue().reap();
  r.u->takeFinished(&done);
  CHECK_EQ(done.size(), size_t(1));
  CHECK((r.u->results(b) == std::vector<int32_t>(8, 1)));
  r.u->release(b);
  CHECK_EQ(r.dev->stats().writes, uint64_t(8));
  CHECK(st.writeLatency.count() == 8 && st.writeLatency.quantile(0.5) > 0);
  // The bytes are on the device.
  std::vector<uint8_t> page(4096);
  bool found;
  CHECK(r.fs->load(0, 5, page.data(), &found) == Code::Ok && found);
  CHECK_EQ(int(page[4095]), 0x45);
}

TEST(uring_refill_on_another_thread_keeps_per_key_order_and_back_pressure) {
  Rig r(8, 2, DiscardMode::Immediate);
  if (!r.ok) { CHECK(!kHaveUring); return; }
  // 50 rounds over 4 keys: store, then load, of each key; every load must see
  // the store just before it on its key.
  std::vector<AsyncOp> ops;
  for (uint32_t round = 0; round < 50; round++)
    for (uint32_t key = 0; key < 4; key++) {
      r.pages.at(1, uint32_t(ops.size()), uint8_t(round * 4 + key));
      ops.push_back({AsyncOpKind::Store, 0, key});
      r.pages.at(1, uint32_t(ops.size()), 0xff);
      ops.push_back({AsyncOpKind::Load, 0, key});
    }
  // A second batch of loads on other keys waits behind the first (back-pressure).
  for (uint32_t i = 0; i < 20; i++) {
    r.pages.at(2, i, 0xff);
  }
  std::vector<AsyncOp> tail(20, {AsyncOpKind::Load, 0, 1000});
  uint32_t b1, b2;
  bool now1, now2;
  {
    Refiller refiller(r.u->queue());
    CHECK(r.u->submit(ops.data(), ops.size(), 1, &b1, &now1) == Code::Ok);
    CHECK(r.u->submit(tail.data(), tail.size(), 2, &b2, &now2) == Code::Ok);
    CHECK(!now1 && now2);  // key 1000 was never stored: nothing to read
    r.u->release(b2);
    std::vector<uint32_t> done;
    bool finished = false;
    pollfd p = {r.u->queue().eventFd(), POLLIN, 0};
    while (!finished) {
      r.u->queue().reap();
      r.u->takeFinished(&done);
      for (uint32_t d : done) finished |= d == b1;
      if (!finished) poll(&p, 1, 1);  // the owner's wake-up; the refiller consumes the signal
    }
  }
  const std::vector<int32_t>& res = r.u->results(b1);
  int bad = 0;
  for (uint32_t k = 0; k < ops.size(); k++) {
    bad += res[k] != 1;
    if (ops[k].kind == AsyncOpKind::Load) bad += r.pages.pages[{1, k}][2048] != r.pages.pages[{1, k - 1}][0];
  }
  r.u->release(b1);
  CHECK_EQ(bad, 0);
  UringStats st = r.u->queue().stats();
  CHECK_EQ(st.cqes, uint64_t(400));
  CHECK(st.waitedOps > 0);
  CHECK_EQ(r.u->queue().pending(), size_t(0));
  CHECK_EQ(r.fs->stats().storedPages, uint64_t(4));
}
