#include <thread>
#include <vector>

#include "check.h"
#include "core/spsc_ring.h"

using namespace frontswap;

// One producer, one consumer, a small ring: every item arrives once, in order,
// and the producer reaps each finished entry exactly once.
static void pingPong(uint32_t capacity, uint64_t items) {
  SpscRing<uint64_t> ring(capacity);
  std::thread consumer([&] {
    uint64_t head = 0, expect = 0;
    while (head < items) {
      uint64_t tail = ring.published();
      for (; head < tail; head++) {
        CHECK_EQ(ring.at(head), expect);
        expect++;
        ring.complete(head + 1);
      }
    }
  });
  uint64_t next = 0, reaped = 0, reapedSum = 0;
  while (reaped < items) {
    while (next < items && !ring.full()) ring.put(next++);
    ring.publish();
    reaped += ring.reap([&](const uint64_t& v) { reapedSum += v; });
  }
  consumer.join();
  CHECK_EQ(reapedSum, items * (items - 1) / 2);
}

TEST(ring_single_pair) { pingPong(8, 200000); }

TEST(ring_several_pairs_at_once) {
  std::vector<std::thread> pairs;
  for (int i = 0; i < 4; i++) pairs.emplace_back([i] { pingPong(2u << i, 50000); });
  for (auto& t : pairs) t.join();
}
