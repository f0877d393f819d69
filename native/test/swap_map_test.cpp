#include <random>
#include <unordered_map>

#include "check.h"
#include "core/swap_map.h"

using namespace frontswap;

TEST(swap_map_matches_a_reference_map) {
  SwapMap m;
  std::unordered_map<uint32_t, uint32_t> ref;
  std::mt19937 rng(1);
  for (int i = 0; i < 200000; i++) {
    uint32_t key = rng() % 5000;  // collisions and long probe runs
    if (i % 7 == 0) key = rng();  // and the whole key space
    switch (rng() % 3) {
      case 0:
        if (!ref.count(key)) {
          uint32_t slot = uint32_t(i);
          m.insert(key, slot);
          ref[key] = slot;
        }
        break;
      case 1: {
        uint32_t got = m.erase(key);
        auto it = ref.find(key);
        CHECK_EQ(got, it == ref.end() ? kNoSlot : it->second);
        if (it != ref.end()) ref.erase(it);
        break;
      }
      case 2: {
        auto it = ref.find(key);
        CHECK_EQ(m.find(key), it == ref.end() ? kNoSlot : it->second);
        break;
      }
    }
    CHECK_EQ(size_t(m.size()), ref.size());
  }
  for (auto& kv : ref) CHECK_EQ(m.find(kv.first), kv.second);
  size_t drained = 0;
  m.drain([&](uint32_t) { drained++; });
  CHECK_EQ(drained, ref.size());
  CHECK_EQ(m.size(), 0u);
  CHECK_EQ(m.find(ref.empty() ? 0 : ref.begin()->first), kNoSlot);
}

TEST(swap_map_stays_between_35_and_70_percent_full) {
  SwapMap m;
  for (uint32_t i = 0; i < 100000; i++) {
    m.insert(i * 2654435761u, i);
    double load = double(m.size()) * sizeof(uint64_t) / double(m.bytes());
    if (m.size() > 16) CHECK(load > 0.34 && load <= 0.70);
  }
}
