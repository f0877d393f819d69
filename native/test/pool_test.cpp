#include <cstring>

#include "check.h"
#include "core/frontswap.h"
#include "core/page_pool.h"

using namespace frontswap;

static std::shared_ptr<PagePool> makePool(uint32_t pageSize, uint32_t pages, BackingRequest b = BackingRequest::Normal) {
  PagePool::Options o;
  o.pageSize = pageSize;
  o.pages = pages;
  o.backing = b;
  std::shared_ptr<PagePool> p;
  std::string why;
  Code c = PagePool::create(o, &p, &why);
  CHECK(c == Code::Ok);
  return p;
}

TEST(pool_allocates_every_slot_once_then_refuses) {
  auto p = makePool(4096, 64);
  std::vector<bool> seen(64);
  for (int i = 0; i < 64; i++) {
    uint32_t s = p->allocSlot(SlotOwner::Frontswap);
    CHECK(s < 64);
    if (s < 64) {
      CHECK(!seen[s]);
      seen[s] = true;
    }
  }
  CHECK_EQ(p->allocSlot(SlotOwner::Frontswap), kNoSlot);
  CHECK_EQ(p->usedPages(), 64u);
  p->releaseSlot(17);
  CHECK_EQ(p->allocSlot(SlotOwner::Frontswap), 17u);
  CHECK(p->metadataBytes() <= sizeof(PagePool) + 64 * 5);
}

TEST(pool_rejects_bad_geometry) {
  PagePool::Options o;
  std::shared_ptr<PagePool> p;
  std::string why;
  o.pageSize = 3000;
  o.pages = 1;
  CHECK(PagePool::create(o, &p, &why) == Code::OutOfRange);
  o.pageSize = 4096;
  o.pages = 0;
  CHECK(PagePool::create(o, &p, &why) == Code::OutOfRange);
  CHECK(!p);
}

TEST(pool_reservations_are_zeroed) {
  auto p = makePool(4096, 4);
  uint32_t s = p->allocSlot(SlotOwner::Frontswap);
  std::memset(p->page(s), 0xab, 4096);
  p->releaseSlot(s);
  uint32_t r[4];
  CHECK(p->reserve(4, r));
  for (uint32_t i = 0; i < 4; i++) {
    CHECK(p->owner(r[i]) == SlotOwner::Reserved);
    for (int b = 0; b < 4096; b++)
      if (p->page(r[i])[b] != 0) {
        CHECK(false);
        break;
      }
  }
  CHECK(!p->reserve(1, r));
}

TEST(pool_close_unmaps_once) {
  auto p = makePool(2 << 20, 2);
  size_t unmapped = 0;
  p->onUnmap = [&](size_t n) { unmapped += n; };
  p->close();
  p->close();
  CHECK(p->closed());
  CHECK(!p->mapped());
  CHECK_EQ(unmapped, size_t(4) << 20);
}

TEST(frontswap_core_semantics) {
  auto p = makePool(4096, 2);
  Frontswap fs(p, false);
  std::vector<uint8_t> a(4096, 1), b(4096, 2), out(4096);
  bool ok;
  CHECK(fs.store(0, 1, a.data(), &ok) == Code::TypeNotInitialized);
  CHECK(fs.init(0) == Code::Ok);
  CHECK(fs.init(0) == Code::TypeAlreadyInitialized);
  CHECK(fs.store(0, 1, a.data(), &ok) == Code::Ok && ok);
  CHECK(fs.store(0, 2, b.data(), &ok) == Code::Ok && ok);
  CHECK(fs.store(0, 3, b.data(), &ok) == Code::Ok && !ok);  // full
  CHECK(fs.store(0, 1, b.data(), &ok) == Code::Ok && ok);   // duplicate overwrites
  CHECK(fs.load(0, 1, out.data(), &ok) == Code::Ok && ok);
  CHECK(out == b);
  CHECK(fs.invalidatePage(0, 2, &ok) == Code::Ok && ok);
  CHECK_EQ(p->usedPages(), 1u);
  CHECK(fs.invalidateArea(0) == Code::Ok);
  CHECK_EQ(p->usedPages(), 0u);
  const FrontswapStats& s = fs.stats();
  CHECK_EQ(s.succStores, uint64_t(3));
  CHECK_EQ(s.failedStores, uint64_t(1));
  CHECK_EQ(s.duplicateStores, uint64_t(1));
  CHECK_EQ(s.storedPages, uint64_t(0));
  CHECK_EQ(s.succStores - s.duplicateStores - s.invalidates - s.exclusiveLoads - s.areaInvalidatedPages, s.storedPages);
}

TEST(frontswap_destructor_returns_pages) {
  auto p = makePool(4096, 8);
  {
    Frontswap fs(p, true);
    fs.init(5);
    std::vector<uint8_t> a(4096, 1);
    bool ok;
    for (uint32_t i = 0; i < 6; i++) fs.store(5, i * 1000, a.data(), &ok);
    CHECK_EQ(p->usedPages(), 6u);
  }
  CHECK_EQ(p->usedPages(), 0u);
}
