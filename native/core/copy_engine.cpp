#include "copy_engine.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <system_error>

#include "clocks.h"
#include "futex.h"
#include "page_copy.h"
#include "shared_words.h"

namespace frontswap {
namespace {

std::vector<int> cpusOf(const cpu_set_t& set) {
  std::vector<int> out;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

}  // namespace

std::vector<int> allowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return {};
  return cpusOf(set);
}

void CopyEngine::place(Worker& w, uint32_t index) {
  pthread_t t = w.thread.native_handle();
  if (!config_.cpus.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(config_.cpus[index % config_.cpus.size()], &set);
    int rc = pthread_setaffinity_np(t, sizeof set, &set);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_setaffinity_np");
  }
  cpu_set_t got;
  CPU_ZERO(&got);
  if (pthread_getaffinity_np(t, sizeof got, &got) == 0) w.cpus = cpusOf(got);
}

CopyEngine::CopyEngine(const EngineConfig& config, uint32_t* words, WakeFn wake, void* wakeCtx)
    : config_(config), wake_(wake), wakeCtx_(wakeCtx), armed_(words + sharedWords::kArmed) {
  for (uint32_t i = 0; i < config_.workers; i++) {
    workers_.emplace_back(new Worker(config_.ringEntries));
    workers_[i]->words = words + sharedWords::worker(i);
  }
  try {
    for (auto& w : workers_) {
      Worker* raw = w.get();
      w->thread = std::thread([this, raw] { run(*raw); });
    }
    for (uint32_t i = 0; i < workers_.size(); i++) place(*workers_[i], i);
  } catch (...) {
    shutdown();  // join the threads that did start; a joinable std::thread must not be destroyed
    throw;
  }
}

CopyEngine::~CopyEngine() { shutdown(); }

void CopyEngine::trackPool(const std::shared_ptr<PagePool>& pool, uint64_t count) {
  pool->beginInflight(this, count);
  if (std::find(busyPools_.begin(), busyPools_.end(), pool) == busyPools_.end()) busyPools_.push_back(pool);
}

uint64_t CopyEngine::push(uint32_t wi, const CopyDesc& d) {
  Worker& w = *workers_[wi];
  if (w.overflow.empty() && !w.ring.full()) {
    w.ring.put(d);
  } else {
    w.overflow.push_back(d);
    storeRelease(w.words + sharedWords::kBacklog, uint32_t(w.overflow.size()));
  }
  return ++w.pushed;
}

void CopyEngine::doorbell() {
  for (auto& wp : workers_) {
    Worker& w = *wp;
    if (!w.ring.publish()) continue;
    storeRelease(w.words + sharedWords::kSubmitted, uint32_t(w.ring.tail()));
    // Pairs with park(): either the worker sees the new tail, or we see it parked.
    if (w.parked.load(std::memory_order_seq_cst) && w.parked.exchange(0) == 1) {
      futexWake(reinterpret_cast<uint32_t*>(&w.parked), 1);
      addRelaxed(w.words + sharedWords::kWakeups, 1);
    }
  }
}

void CopyEngine::account(const CopyDesc& d) {
  if (d.pool != acctPool_) {
    flushAccount();
    acctPool_ = d.pool;
  }
  acctCount_++;
}

void CopyEngine::flushAccount() {
  if (acctPool_ && acctCount_) acctPool_->endInflight(acctCount_);
  acctPool_ = nullptr;
  acctCount_ = 0;
}

void CopyEngine::pruneBusyPools() {
  busyPools_.erase(std::remove_if(busyPools_.begin(), busyPools_.end(),
                                  [](const std::shared_ptr<PagePool>& p) { return p->inflight() == 0; }),
                   busyPools_.end());
}

void CopyEngine::reap() {
  if (stopped_) return;
  for (auto& wp : workers_) {
    Worker& w = *wp;
    w.ring.reap([this](const CopyDesc& d) { account(d); });
    if (w.overflow.empty()) continue;
    while (!w.overflow.empty() && !w.ring.full()) {
      w.ring.put(w.overflow.front());
      w.overflow.pop_front();
    }
    storeRelease(w.words + sharedWords::kBacklog, uint32_t(w.overflow.size()));
  }
  flushAccount();
  pruneBusyPools();
  doorbell();
}

bool CopyEngine::idle() const {
  for (auto& w : workers_)
    if (w->ring.reaped() != w->pushed) return false;
  return true;
}

uint64_t CopyEngine::backlog() const {
  uint64_t n = 0;
  for (auto& w : workers_) n += w->overflow.size();
  return n;
}

void CopyEngine::drainAll() {
  doorbell();
  for (uint32_t spins = 0;; spins++) {
    reap();
    if (idle() || stopped_) return;
    // Two vCPUs, up to three busy threads: give the workers the core after a while.
    if (spins < 2000) cpuRelax();
    else sched_yield();
  }
}

void CopyEngine::shutdown() {
  if (stopped_) return;
  stop_.store(true, std::memory_order_seq_cst);
  for (auto& w : workers_) {
    w->parked.store(0, std::memory_order_seq_cst);
    futexWake(reinterpret_cast<uint32_t*>(&w->parked), 1);
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  stopped_ = true;
  // The threads are gone: what they finished is reaped, the rest abandoned.
  for (auto& w : workers_) {
    w->ring.reap([this](const CopyDesc& d) { account(d); });
    w->ring.abandon([this](const CopyDesc& d) { account(d); });
    for (const CopyDesc& d : w->overflow) account(d);
    w->overflow.clear();
    storeRelease(w->words + sharedWords::kBacklog, 0);
  }
  flushAccount();
  busyPools_.clear();
}

uint64_t CopyEngine::workerCpuNs(uint32_t wi) const {
  Worker& w = *workers_[wi];
  if (stopped_) return w.cpuNsAtExit.load();
  return threadCpuNsOf(w.thread.native_handle());
}

void CopyEngine::maybeWakeJs(Worker& w, uint64_t head) {
  uint32_t* words = w.words;
  if (!loadSeqCst(armed_)) return;
  uint32_t target = loadSeqCst(words + sharedWords::kWakeTarget);
  if (int32_t(uint32_t(head) - target) < 0) return;
  // One wake-up per request, whichever worker gets there first.
  if (exchangeSeqCst(armed_, 0) != 1) return;  // JS took it back, or another worker fired
  addRelaxed(words + sharedWords::kJsWakes, 1);
  if (wake_) wake_(wakeCtx_);
}

void CopyEngine::park(Worker& w, uint64_t head) {
  w.parked.store(1, std::memory_order_seq_cst);
  if (w.ring.publishedSeqCst() != head || stop_.load(std::memory_order_seq_cst)) {
    w.parked.store(0, std::memory_order_relaxed);
    return;
  }
  addRelaxed(w.words + sharedWords::kSleeps, 1);
  storeRelease(w.words + sharedWords::kSleeping, 1);
  futexWait(reinterpret_cast<uint32_t*>(&w.parked), 1);
  storeRelease(w.words + sharedWords::kSleeping, 0);
}

void CopyEngine::idleWait(Worker& w, uint64_t head, uint64_t* idleSince) {
  switch (config_.waitMode) {
    case WaitMode::Spin:
      cpuRelax();
      return;
    case WaitMode::Adaptive: {
      uint64_t now = monoNs();
      if (*idleSince == 0) *idleSince = now;
      uint64_t spun = now - *idleSince;
      if (spun < uint64_t(config_.spinMicros) * 1000) {
        for (int i = 0; i < 32; i++) cpuRelax();
        // Polite spinning: with more busy threads than cores (the JS thread and
        // two workers on two vCPUs), offer the core now and then to whoever can
        // use it; not on every turn, or the syscall would cost the latency that
        // spinning is for.
        if ((spun >> 12) != ((spun + 1024) >> 12)) sched_yield();
        return;
      }
      park(w, head);
      *idleSince = 0;
      return;
    }
    case WaitMode::Sleep:
      park(w, head);
      return;
  }
}

void CopyEngine::run(Worker& w) {
  uint64_t head = 0;
  uint64_t idleSince = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    uint64_t tail = w.ring.published();
    if (tail == head) {
      idleWait(w, head, &idleSince);
      continue;
    }
    idleSince = 0;
    while (head < tail && !stop_.load(std::memory_order_relaxed)) {
      const CopyDesc& d = w.ring.at(head);
      if (!d.pool->cancelled()) copyPage(d.dst, d.src, d.len, d.stream != 0);
      head++;
      w.ring.complete(head);
      storeSeqCst(w.words + sharedWords::kDone, uint32_t(head));  // seq_cst: then read the wake request
      maybeWakeJs(w, head);
    }
  }
  w.cpuNsAtExit.store(threadCpuNs());
}

}  // namespace frontswap
