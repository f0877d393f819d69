#include "uffd_region.h"

#include <new>

#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "clocks.h"
#include "copy_engine.h"
#include "page_pool.h"
#include "region_uring.h"
#include "shared_words.h"
#include "uffd.h"

namespace frontswap {
namespace {

uint64_t cpuNsOf(std::thread& t, const std::atomic<uint64_t>& atExit) {
  return t.joinable() ? threadCpuNsOf(t.native_handle()) : atExit.load();
}

}  // namespace

RegionMemory::~RegionMemory() { munmap(base_, bytes_); }

Code UffdRegion::create(const RegionConfig& config, std::unique_ptr<RegionBackend> backend,
                        std::unique_ptr<UffdRegion>* out, std::string* why) {
  if (!backend || backend->pageSize() != kPage) {
    *why = "a SwapRegion needs a backend of 4096-byte pages";
    return Code::OutOfRange;
  }
  uint64_t pages = (config.bytes + kPage - 1) / kPage;
  if (pages == 0 || pages >= UINT32_MAX) {
    *why = "bytes must be from 1 to 16 TiB";
    return Code::OutOfRange;
  }
  if (config.resident < 2 || config.resident > pages) {
    *why = "resident must be from 2 pages to the region's size";
    return Code::OutOfRange;
  }
  size_t len = size_t(pages) * kPage;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    *why = std::string("mmap of the region failed: ") + strerror(errno);
    return Code::MmapFailed;
  }
  madvise(p, len, MADV_NOHUGEPAGE);  // faults and evictions are per 4 KiB page
  auto mem = std::make_shared<RegionMemory>(static_cast<uint8_t*>(p), len);
  std::unique_ptr<UffdRegion> r;
  try {  // per-page state of a few bytes a page: a region this memory cannot describe is refused, not an abort
    r.reset(new UffdRegion(config, std::move(backend), std::move(mem)));
  } catch (const std::bad_alloc&) {
    *why = "not enough memory for the per-page state of a region of " + std::to_string(len) + " bytes";
    return Code::OutOfRange;
  }
  Code c = r->start(why);
  if (c != Code::Ok) return c;  // r's destructor undoes what start() did
  *out = std::move(r);
  return Code::Ok;
}

UffdRegion::UffdRegion(const RegionConfig& config, std::unique_ptr<RegionBackend> backend,
                       std::shared_ptr<RegionMemory> mem)
    : config_(config),
      backend_(std::move(backend)),
      mem_(std::move(mem)),
      pages_(uint32_t(mem_->bytes() / kPage)),
      state_(pages_, Absent),
      stored_(pages_, 0),
      clock_(pages_, config.policy),
      zeroPage_(new uint8_t[kPage]()) {
  high_ = config.resident;
  uint32_t gap = uint32_t(uint64_t(high_) * config.lowPercent / 100);
  if (gap == 0) gap = 1;
  low_ = high_ - gap;
  uint32_t slack = high_ / 8 > config.batch ? high_ / 8 : config.batch;
  hardCap_ = high_ + slack;
  if (config_.batch == 0) config_.batch = 1;
}

Code UffdRegion::start(std::string* why) {
  uffd_ = uffd::open(why);
  if (uffd_ < 0) return Code::UserfaultfdUnavailable;
  if (int e = uffd::registerRange(uffd_, mem_->data(), mem_->bytes())) {
    *why = std::string("UFFDIO_REGISTER (missing + write-protect) failed: ") + strerror(e);
    return Code::UserfaultfdUnavailable;
  }
  registered_ = true;
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stopFd_ < 0) {
    *why = std::string("eventfd: ") + strerror(errno);
    return Code::ThreadsUnavailable;
  }
  try {
    if (config_.evict == EvictMode::Async && backend_->enginePool()) {
      PagePool::Options o;
      o.pages = 1;
      o.backing = BackingRequest::Normal;
      std::string w;
      if (PagePool::create(o, &acctPool_, &w) != Code::Ok) {
        *why = "the engine's accounting pool: " + w;
        return Code::MmapFailed;
      }
      EngineConfig ec;
      ec.workers = 1;
      ec.waitMode = WaitMode::Adaptive;
      engineWords_.assign(sharedWords::size(ec.workers), 0);
      engine_.reset(new CopyEngine(ec, engineWords_.data(), nullptr, nullptr));  // never armed: no JS wake-ups
    }
    if (config_.evict == EvictMode::Async) {
      if (std::shared_ptr<SwapDevice> dev = backend_->asyncDevice()) {
        // A build without liburing, or io_uring forbidden here: the reclaimer writes synchronously.
        std::string w;
        if (RegionUring::create(dev, config_.batch, &uring_, &w) != Code::Ok) uring_.reset();
      }
    }
    faultThread_ = std::thread([this] { faultLoop(); });
    reclaimThread_ = std::thread([this] { reclaimLoop(); });
  } catch (const std::exception& e) {
    *why = std::string("the region's threads could not start: ") + e.what();
    return Code::ThreadsUnavailable;
  }
  return Code::Ok;
}

UffdRegion::~UffdRegion() { close(); }

void UffdRegion::close() {
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  kick_.notify_all();
  evicted_.notify_all();
  if (reclaimThread_.joinable()) reclaimThread_.join();  // finishes its pass: no page is left Evicting
  if (stopFd_ >= 0) {
    uint64_t one = 1;
    ssize_t n = write(stopFd_, &one, sizeof one);
    (void)n;
  }
  if (faultThread_.joinable()) faultThread_.join();  // served every message already raised
  // Unregistering wakes any fault raised since: it becomes an ordinary one.
  if (registered_) uffd::unregisterRange(uffd_, mem_->data(), mem_->bytes());
  registered_ = false;
  if (uffd_ >= 0) ::close(uffd_);
  if (stopFd_ >= 0) ::close(stopFd_);
  uffd_ = stopFd_ = -1;
  if (engine_) engine_->shutdown();
  uring_.reset();    // nothing in flight: the reclaimer finished its pass
  backend_.reset();  // gives the claim and the backend's pages back
}

void UffdRegion::faultLoop() {
  uffd_msg msgs[16];
  pollfd fds[2] = {{uffd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
  bool stopping = false;
  for (;;) {
    ssize_t n = read(uffd_, msgs, sizeof msgs);
    uint64_t t0 = monoNs();
    if (n <= 0) {
      if (stopping) break;  // drained after the stop signal
      if (n < 0 && errno != EAGAIN && errno != EINTR) break;
      if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
      if (fds[1].revents) stopping = true;
      continue;
    }
    for (ssize_t i = 0; i < n / ssize_t(sizeof(uffd_msg)); i++) {
      const uffd_msg& m = msgs[i];
      if (m.event != UFFD_EVENT_PAGEFAULT) continue;
      uintptr_t a = uintptr_t(m.arg.pagefault.address);
      uintptr_t base = uintptr_t(mem_->data());
      if (a < base || a >= base + mem_->bytes()) continue;
      uint32_t page = uint32_t((a - base) / kPage);
      if (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) serveWriteProtect(page);
      else serveMissing(page, t0, (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0);
    }
  }
  faultCpuAtExit_.store(threadCpuNs());
}

bool UffdRegion::placeLocked(uint32_t page, const uint8_t* src, bool kept, bool write, bool wake) {
  // A page read in maps write-protected while the backend keeps its copy (or
  // it is zeros): the first write tells us it is dirty, and until then dropping
  // it needs no store. A write fault maps it writable and dirty at once.
  bool isZero = src == nullptr;
  bool clean = !write && (isZero || kept);
  int e = uffd::copy(uffd_, addr(page), isZero ? zeroPage_.get() : src, kPage, clean, wake);
  if (e != 0) {  // EEXIST cannot happen under the lock; EAGAIN and the like: the access retries
    if (!isZero && !kept) {
      // An exclusive load gave the slot up already; nothing reused it (only we
      // allocate, under this lock): store the bytes back so they are not lost.
      if (uint8_t* d = backend_->planStore(page)) {
        std::memmove(d, src, kPage);
        stored_[page] = 1;
      }
    }
    return false;
  }
  state_[page] = clean ? (isZero ? ZeroClean : Clean) : Dirty;
  if (!clean && stored_[page]) {
    if (kept) backend_->forget(page);  // stale from this write on
    stored_[page] = 0;
  }
  resident_++;
  if (resident_ > st_.peakResident) st_.peakResident = resident_;
  clock_.insert(page);
  if (write) clock_.touch(page);
  return true;
}

void UffdRegion::serveMissing(uint32_t page, uint64_t t0, bool write) {
  std::unique_lock<std::mutex> lk(mu_);
  waitForUringLocked(lk);
  if (resident_ >= hardCap_ && !stop_) {
    st_.directReclaims++;
    evictBatch(false, lk);
  }
  bool woken = false;
  if (state_[page] == Absent) {
    bool kept = true;
    const uint8_t* src = stored_[page] ? backend_->fetch(page, &kept) : nullptr;
    st_.faults++;
    if (src) st_.backendFaults++;
    else st_.zeroFaults++;
    serveCpu_.store(sched_getcpu(), std::memory_order_relaxed);  // before the wake: the woken thread reads it
    woken = placeLocked(page, src, kept, write, true);  // the copy wakes the faulting thread
    lat_.record(monoNs() - t0);
  }
  if (!woken) uffd::wake(uffd_, addr(page), kPage);  // placed already (readahead, a second fault on it)
  if (config_.readahead) readAhead(page);
  bool over = resident_ > high_;
  if (over) kicks_++;
  lk.unlock();
  if (over) kick_.notify_one();
}

void UffdRegion::readAhead(uint32_t page) {
  for (uint32_t q = page + 1; q <= page + config_.readahead && q < pages_ && resident_ < hardCap_; q++) {
    if (state_[q] != Absent || !stored_[q]) continue;
    bool kept;
    const uint8_t* src = backend_->fetch(q, &kept);
    if (!src) continue;
    if (!placeLocked(q, src, kept, false, false)) continue;
    st_.readaheadPages++;
  }
}

void UffdRegion::serveWriteProtect(uint32_t page) {
  std::unique_lock<std::mutex> lk(mu_);
  // Being stored right now: the write waits until the page is gone, then
  // faults it back in (missing) with the stored bytes.
  evicted_.wait(lk, [&] { return state_[page] != Evicting && !uringInFlight_; });
  uint8_t s = state_[page];
  if (s == Clean || s == ZeroClean) {
    st_.writeFaults++;
    if (stored_[page]) {
      backend_->forget(page);  // the stored copy is stale from this write on
      stored_[page] = 0;
    }
    state_[page] = Dirty;
    clock_.touch(page);
    uffd::writeProtect(uffd_, addr(page), kPage, false);  // wakes the writer
  } else {
    uffd::wake(uffd_, addr(page), kPage);  // dirty already, or dropped: it retries
  }
}

RegionStats UffdRegion::stats() {
  std::lock_guard<std::mutex> lk(mu_);
  RegionStats s = st_;
  s.residentPages = resident_;
  s.pages = pages_;
  s.high = high_;
  s.low = low_;
  s.hardCap = hardCap_;
  s.latencyCount = lat_.count();
  s.p50 = lat_.quantile(0.5);
  s.p99 = lat_.quantile(0.99);
  s.p999 = lat_.quantile(0.999);
  s.maxNs = lat_.max();
  s.faultThreadCpuNs = cpuNsOf(faultThread_, faultCpuAtExit_);
  s.reclaimCpuNs = cpuNsOf(reclaimThread_, reclaimCpuAtExit_);
  s.engineCpuNs = engine_ ? engine_->workerCpuNs(0) : 0;
  return s;
}

void UffdRegion::resetLatency() {
  std::lock_guard<std::mutex> lk(mu_);
  lat_.reset();
}

}  // namespace frontswap
