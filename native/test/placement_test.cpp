// Cache flushes, the latency probe, NUMA binding and worker pinning, in the
// core alone.
#include <algorithm>
#include <vector>

#include "check.h"
#include "core/cache_control.h"
#include "core/copy_engine.h"
#include "core/numa.h"
#include "core/page_pool.h"
#include "core/shared_words.h"

using namespace frontswap;

TEST(flush_counts_every_line_a_range_touches) {
  alignas(64) static uint8_t buf[64 * 8];
  CHECK_EQ(flushLines(buf, 0), size_t(0));
  CHECK_EQ(flushLines(buf, 64), size_t(1));
  CHECK_EQ(flushLines(buf, 64 * 8), size_t(8));
  CHECK_EQ(flushLines(buf + 1, 64), size_t(2));  // starts inside one line, ends inside the next
  CHECK_EQ(flushLines(buf + 63, 2), size_t(2));
  buf[5] = 9;
  flushLines(buf, sizeof buf);
  CHECK_EQ(buf[5], 9);  // a flush writes back; it never loses a byte
}

TEST(latency_probe_answers_every_size) {
  std::vector<ChasePoint> pts = chaseLatency({1u << 20, 2u << 20}, 1000);
  CHECK_EQ(pts.size(), size_t(2));
  for (const ChasePoint& p : pts) CHECK(p.nsPerLoad > 0);
}

TEST(pool_bound_to_node_0_lives_there) {
  PagePool::Options o;
  o.pageSize = 4096;
  o.pages = 256;
  o.numaNode = 0;
  std::shared_ptr<PagePool> p;
  std::string why;
  CHECK(PagePool::create(o, &p, &why) == Code::Ok);
  if (p) CHECK_EQ(p->pagesNode(), 0);
  o.numaNode = 1023;
  std::shared_ptr<PagePool> q;
  CHECK(PagePool::create(o, &q, &why) == Code::NumaNodeUnavailable);
  CHECK(!q);
  CHECK(!nodeHasMemory(-1));
  CHECK(nodeHasMemory(0));
}

TEST(engine_workers_run_on_the_cpus_given) {
  std::vector<int> allowed = allowedCpus();
  CHECK(!allowed.empty());
  if (allowed.empty()) return;
  std::vector<uint32_t> words(sharedWords::size(2));
  EngineConfig cfg;
  cfg.workers = 2;
  cfg.cpus = {allowed.back()};
  CopyEngine eng(cfg, words.data(), nullptr, nullptr);
  CHECK(eng.workerCpus(0) == std::vector<int>{allowed.back()});
  CHECK(eng.workerCpus(1) == std::vector<int>{allowed.back()});
  EngineConfig free;
  CopyEngine any(free, words.data(), nullptr, nullptr);
  CHECK(any.workerCpus(0) == allowed);
}
