#include <atomic>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "check.h"
#include "core/copy_engine.h"
#include "core/shared_words.h"

using namespace frontswap;

static std::shared_ptr<PagePool> makePool(uint32_t pageSize, uint32_t pages) {
  PagePool::Options o;
  o.pageSize = pageSize;
  o.pages = pages;
  o.backing = BackingRequest::Normal;
  std::shared_ptr<PagePool> p;
  std::string why;
  CHECK(PagePool::create(o, &p, &why) == Code::Ok);
  return p;
}

struct Wakes {
  std::atomic<int> n{0};
  static void fire(void* ctx) { static_cast<Wakes*>(ctx)->n++; }
};

// A producer thread (the JS thread's role) drives its own engine: random pages
// out to random slots and back, checked byte for byte after every drain.
static void producer(WaitMode mode, uint32_t workers, uint32_t ring, int rounds, unsigned seed) {
  const uint32_t ps = 4096, slots = 64;
  auto pool = makePool(ps, slots);
  std::vector<uint32_t> words(sharedWords::size(workers));
  Wakes wakes;
  EngineConfig cfg;
  cfg.workers = workers;
  cfg.waitMode = mode;
  cfg.spinMicros = 20;
  cfg.ringEntries = ring;
  CopyEngine eng(cfg, words.data(), Wakes::fire, &wakes);
  std::mt19937 rng(seed);
  std::vector<uint8_t> src(size_t(slots) * ps), back(size_t(slots) * ps);
  for (int r = 0; r < rounds; r++) {
    for (auto& b : src) b = uint8_t(rng());
    uint64_t n = 0;
    for (uint32_t s = 0; s < slots; s++) {  // out: buffer -> slot
      uint32_t w = eng.route(s);
      eng.push(w, CopyDesc{pool->page(s), src.data() + size_t(s) * ps, pool.get(), ps, uint32_t(r & 1)});
      n++;
    }
    eng.trackPool(pool, n);
    eng.doorbell();
    for (uint32_t s = 0; s < slots; s++) {  // back: slot -> buffer, same worker, so after the store
      eng.push(eng.route(s), CopyDesc{back.data() + size_t(s) * ps, pool->page(s), pool.get(), ps, 0});
    }
    eng.trackPool(pool, slots);
    eng.doorbell();
    eng.drainAll();
    CHECK(eng.idle());
    CHECK_EQ(pool->inflight(), uint64_t(0));
    CHECK(std::memcmp(src.data(), back.data(), src.size()) == 0);
  }
  for (uint32_t w = 0; w < workers; w++) CHECK_EQ(uint64_t(loadAcquire(&words[sharedWords::worker(w) + sharedWords::kDone])), eng.pushed(w));
}

TEST(engine_round_trips_under_every_wait_mode) {
  producer(WaitMode::Sleep, 1, 16, 20, 1);
  producer(WaitMode::Spin, 2, 16, 20, 2);
  producer(WaitMode::Adaptive, 2, 1024, 20, 3);
}

TEST(engine_several_producers_at_once) {
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; i++) {
    ts.emplace_back([i] { producer(i == 0 ? WaitMode::Sleep : i == 1 ? WaitMode::Adaptive : WaitMode::Spin, 2, 8, 10, 10 + i); });
  }
  for (auto& t : ts) t.join();
}

TEST(engine_overflow_keeps_order_behind_a_full_ring) {
  auto pool = makePool(4096, 4);
  std::vector<uint32_t> words(sharedWords::size(1));
  EngineConfig cfg;
  cfg.ringEntries = 4;
  cfg.waitMode = WaitMode::Sleep;
  CopyEngine eng(cfg, words.data(), nullptr, nullptr);
  std::vector<uint8_t> pages(1000 * 4096);
  for (size_t i = 0; i < 1000; i++) std::memset(&pages[i * 4096], int(i & 0xff), 4096);
  uint64_t last = 0;
  for (size_t i = 0; i < 1000; i++) last = eng.push(0, CopyDesc{pool->page(0), &pages[i * 4096], pool.get(), 4096, 0});
  CHECK_EQ(last, uint64_t(1000));
  CHECK(eng.backlog() > 0);
  eng.trackPool(pool, 1000);
  eng.doorbell();
  eng.drainAll();
  CHECK_EQ(eng.backlog(), uint64_t(0));
  CHECK_EQ(int(pool->page(0)[123]), int(999 & 0xff));  // the last one written wins: FIFO held
}

TEST(engine_wakes_js_only_when_armed) {
  auto pool = makePool(4096, 4);
  std::vector<uint32_t> words(sharedWords::size(1));
  Wakes wakes;
  EngineConfig cfg;
  cfg.waitMode = WaitMode::Spin;
  CopyEngine eng(cfg, words.data(), Wakes::fire, &wakes);
  std::vector<uint8_t> page(4096, 7);
  auto one = [&] {
    uint64_t seq = eng.push(0, CopyDesc{pool->page(1), page.data(), pool.get(), 4096, 0});
    eng.trackPool(pool, 1);
    eng.doorbell();
    return seq;
  };
  one();
  eng.drainAll();
  CHECK_EQ(wakes.n.load(), 0);
  uint64_t next = eng.pushed(0) + 1;
  storeSeqCst(&words[sharedWords::worker(0) + sharedWords::kWakeTarget], uint32_t(next));
  storeSeqCst(&words[sharedWords::kArmed], 1);
  one();
  eng.drainAll();
  while (wakes.n.load() == 0) {  // the worker fires after publishing `done`
  }
  CHECK_EQ(wakes.n.load(), 1);
  CHECK_EQ(loadSeqCst(&words[sharedWords::kArmed]), 0u);
  CHECK_EQ(loadSeqCst(&words[sharedWords::worker(0) + sharedWords::kJsWakes]), 1u);
}

TEST(engine_shutdown_with_work_queued_accounts_everything) {
  auto pool = makePool(2 << 20, 2);
  std::vector<uint32_t> words(sharedWords::size(2));
  EngineConfig cfg;
  cfg.workers = 2;
  cfg.ringEntries = 8;
  cfg.waitMode = WaitMode::Sleep;
  auto eng = std::make_unique<CopyEngine>(cfg, words.data(), nullptr, nullptr);
  std::vector<uint8_t> page(2 << 20, 3);
  for (int i = 0; i < 200; i++) eng->push(uint32_t(i & 1), CopyDesc{pool->page(i & 1), page.data(), pool.get(), 2u << 20, 0});
  eng->trackPool(pool, 200);
  eng->doorbell();
  eng->shutdown();  // mid-flight: some copies ran, the rest never will
  CHECK(eng->stopped());
  CHECK_EQ(pool->inflight(), uint64_t(0));
  pool->close();
  CHECK(!pool->mapped());
  eng.reset();
}

TEST(engine_pool_closed_under_it_skips_copies_and_unmaps_after) {
  auto pool = makePool(4096, 2);
  std::vector<uint32_t> words(sharedWords::size(1));
  EngineConfig cfg;
  cfg.waitMode = WaitMode::Adaptive;
  CopyEngine eng(cfg, words.data(), nullptr, nullptr);
  std::vector<uint8_t> page(4096, 9);
  for (int i = 0; i < 100; i++) eng.push(0, CopyDesc{pool->page(0), page.data(), pool.get(), 4096, 0});
  eng.trackPool(pool, 100);
  pool->close();  // copies in flight: the mapping stays until they are reaped
  CHECK(pool->mapped());
  eng.doorbell();
  eng.drainAll();
  CHECK(!pool->mapped());
}

TEST(engine_two_engines_on_one_pool_take_turns) {
  auto pool = makePool(4096, 2);
  std::vector<uint32_t> wa(sharedWords::size(1)), wb(sharedWords::size(1));
  EngineConfig cfg;
  cfg.waitMode = WaitMode::Sleep;
  CopyEngine a(cfg, wa.data(), nullptr, nullptr), b(cfg, wb.data(), nullptr, nullptr);
  std::vector<uint8_t> x(4096, 1), y(4096, 2);
  for (int i = 0; i < 50; i++) a.push(0, CopyDesc{pool->page(0), x.data(), pool.get(), 4096, 0});
  a.trackPool(pool, 50);
  a.doorbell();
  b.push(0, CopyDesc{pool->page(0), y.data(), pool.get(), 4096, 0});
  b.trackPool(pool, 1);  // drains a first: b's copy lands after all of a's
  CHECK(a.idle());
  b.doorbell();
  b.drainAll();
  CHECK_EQ(int(pool->page(0)[0]), 2);
}
