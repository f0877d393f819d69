#include "swap_device.h"

#include <new>

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

#include "device_guard.h"

namespace frontswap {
namespace {

std::string errnoText(int e) { return std::string(strerror(e)) + " (" + (strerrorname_np(e) ? strerrorname_np(e) : "?") + ")"; }

uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

uint64_t readSysNumber(const std::string& file) {
  std::ifstream f(file);
  uint64_t v = 0;
  f >> v;
  return v;
}

// A file's O_DIRECT alignment (statx STATX_DIOALIGN, Linux 6.1); 0s when unknown.
void dioAlign(int fd, uint32_t* offsetAlign, uint32_t* memAlign) {
  struct statx sx;
  *offsetAlign = *memAlign = 0;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN)) {
    *offsetAlign = sx.stx_dio_offset_align;
    *memAlign = sx.stx_dio_mem_align;
  }
}

}  // namespace

Code SwapDevice::open(const Options& o, std::shared_ptr<SwapDevice>* out, std::string* message) {
  if (o.pageSize < PagePool::kMinPageSize || o.pageSize > PagePool::kMaxPageSize || o.pageSize % 4096 != 0) {
    *message = "pageSize must be a multiple of 4096 from 4096 to 2097152";
    return Code::OutOfRange;
  }
  if (o.pages == 0) {
    *message = "pages must be at least 1";
    return Code::OutOfRange;
  }
  if (o.discard == DiscardMode::Batched && o.discardBatch == 0) {
    *message = "a discard batch must be at least 1";
    return Code::OutOfRange;
  }
  const uint64_t need = uint64_t(o.pageSize) * o.pages;
  struct stat st;
  bool created = false;
  if (stat(o.path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      *message = "cannot stat " + o.path + ": " + errnoText(errno);
      return Code::DeviceOpenFailed;
    }
    created = true;
  } else if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
    *message = o.path + " is neither a block device nor a regular file";
    return Code::DeviceKind;
  } else {
    Code c = checkNotInUse(o.path, st, message);
    if (c != Code::Ok) return c;
  }

  std::shared_ptr<SwapDevice> d(new SwapDevice());
  d->path_ = o.path;
  d->kind_ = created || S_ISREG(st.st_mode) ? DeviceKind::File : DeviceKind::Block;
  // O_EXCL on a block device is the kernel's own guard: it fails while the
  // device is mounted, active as swap, or held by another opener with O_EXCL.
  int flags = O_RDWR | O_DIRECT | O_CLOEXEC | (d->kind_ == DeviceKind::Block ? O_EXCL : (created ? O_CREAT | O_EXCL : 0));
  int fd = ::open(o.path.c_str(), flags, 0600);
  if (fd < 0) {
    int e = errno;
    *message = "cannot open " + o.path + " with O_DIRECT: " + errnoText(e);
    return e == EINVAL ? Code::DirectIoUnsupported : e == EBUSY ? Code::DeviceBusy : Code::DeviceOpenFailed;
  }
  auto fail = [&](Code c, const std::string& m) {
    ::close(fd);
    if (created) unlink(o.path.c_str());
    *message = m;
    return c;
  };
  if (fstat(fd, &st) != 0) return fail(Code::DeviceOpenFailed, "cannot stat " + o.path + ": " + errnoText(errno));

  if (d->kind_ == DeviceKind::Block) {
    int lbs = 512;
    uint64_t bytes = 0;
    if (ioctl(fd, BLKSSZGET, &lbs) != 0 || ioctl(fd, BLKGETSIZE64, &bytes) != 0)
      return fail(Code::DeviceOpenFailed, "cannot read the block size of " + o.path + ": " + errnoText(errno));
    d->rdev_ = st.st_rdev;
    d->blockSize_ = uint32_t(lbs);
    d->memAlign_ = std::max<uint32_t>(uint32_t(lbs), 512);
    d->deviceBytes_ = bytes;
    if (bytes < need)
      return fail(Code::DeviceTooSmall, o.path + " holds " + std::to_string(bytes) + " bytes; " +
                                            std::to_string(o.pages) + " pages of " + std::to_string(o.pageSize) +
                                            " need " + std::to_string(need));
    if (o.discard != DiscardMode::None) {
      std::string q = "/sys/dev/block/" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
      // A partition's queue is its disk's.
      uint64_t maxDiscard = readSysNumber(q + "/queue/discard_max_bytes");
      if (maxDiscard == 0) maxDiscard = readSysNumber(q + "/../queue/discard_max_bytes");
      if (maxDiscard == 0) return fail(Code::DiscardUnsupported, o.path + " does not support discard: use discard: 'none'");
    }
  } else {
    uint32_t offAlign, memAlign;
    dioAlign(fd, &offAlign, &memAlign);
    d->blockSize_ = offAlign ? offAlign : 512;
    d->memAlign_ = std::max<uint32_t>(memAlign ? memAlign : 512, 512);
    if (uint64_t(st.st_size) < need && ftruncate(fd, off_t(need)) != 0)
      return fail(Code::DeviceOpenFailed, "cannot extend " + o.path + " to " + std::to_string(need) + " bytes: " + errnoText(errno));
    d->deviceBytes_ = std::max<uint64_t>(uint64_t(st.st_size), need);
  }
  if (o.pageSize % d->blockSize_ != 0)
    return fail(Code::DirectIoUnsupported, "pageSize " + std::to_string(o.pageSize) + " is not a multiple of the block size " +
                                               std::to_string(d->blockSize_) + " of " + o.path);
  d->memAlign_ = std::max<uint32_t>(d->memAlign_, 4096);  // page-aligned buffers suit every device
  // The slot metadata (a few bytes a slot) before the fd is the device's: a
  // count of slots this memory cannot describe is refused, not an abort.
  try {
    d->slots_ = SlotAllocator(o.pages);
    d->state_.assign(o.pages, SlotState::Clean);
    d->busy_.assign(o.pages, 0);
  } catch (const std::bad_alloc&) {
    return fail(Code::OutOfRange, "pages " + std::to_string(o.pages) + ": not enough memory for the metadata of that many slots");
  }
  d->fd_ = fd;
  d->pageSize_ = o.pageSize;
  d->capacity_ = o.pages;
  d->discard_ = o.discard;
  d->discardBatch_ = o.discardBatch;
  *out = std::move(d);
  return Code::Ok;
}

SwapDevice::~SwapDevice() { close(); }

void SwapDevice::close() {
  if (fd_ < 0) return;
  quiesce();
  ::close(fd_);
  fd_ = -1;
}

uint32_t SwapDevice::allocSlot() {
  uint32_t s = slots_.alloc();
  if (s == kNoSlot) return s;
  if (state_[s] == SlotState::Stale) stats_.staleSlots--;  // its old bytes will be overwritten, not leaked
  state_[s] = SlotState::InUse;
  return s;
}

void SwapDevice::releaseSlot(uint32_t slot) {
  slots_.release(slot);
  state_[slot] = SlotState::Stale;
  stats_.staleSlots++;
  switch (discard_) {
    case DiscardMode::None: break;
    case DiscardMode::Immediate:
      if (!busy_[slot]) discardOne(slot);  // else markIdle() discards it
      break;
    case DiscardMode::Batched:
      pendingDiscard_.push_back(slot);
      if (pendingDiscard_.size() >= discardBatch_) flushDiscards();
      break;
  }
}

void SwapDevice::markIdle(uint32_t slot) {
  if (--busy_[slot] == 0 && discard_ == DiscardMode::Immediate && state_[slot] == SlotState::Stale && fd_ >= 0)
    discardOne(slot);
}

uint32_t SwapDevice::flushDiscards() {
  if (fd_ < 0) return 0;
  std::vector<uint32_t> now, later;
  for (uint32_t s : pendingDiscard_) {
    if (state_[s] != SlotState::Stale) continue;  // reused (will be overwritten) or already discarded
    (busy_[s] ? later : now).push_back(s);
  }
  // A slot freed twice between flushes appears twice; discard it once.
  std::sort(now.begin(), now.end());
  now.erase(std::unique(now.begin(), now.end()), now.end());
  pendingDiscard_.swap(later);
  if (!now.empty()) discardNow(now.data(), now.size());
  return uint32_t(now.size());
}

// `slots` sorted; one discard call per contiguous run, as swap discards clusters.
void SwapDevice::discardNow(const uint32_t* slots, size_t n) {
  uint64_t t0 = nowNs();
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && slots[j] == slots[j - 1] + 1) j++;
    uint64_t off = uint64_t(slots[i]) * pageSize_, len = uint64_t(j - i) * pageSize_;
    int r;
    if (kind_ == DeviceKind::Block) {
      uint64_t range[2] = {off, len};
      r = ioctl(fd_, BLKDISCARD, range);
    } else {
      r = fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(off), off_t(len));
    }
    stats_.discards++;
    if (r != 0) {
      stats_.discardErrors++;
    } else {
      for (size_t k = i; k < j; k++) {
        state_[slots[k]] = SlotState::Clean;
        stats_.staleSlots--;
      }
      stats_.discardedPages += j - i;
    }
    i = j;
  }
  stats_.discardNs += nowNs() - t0;
}

uint8_t* SwapDevice::bounce() {
  if (!bounce_) {
    void* p = nullptr;
    if (posix_memalign(&p, memAlign_, pageSize_) != 0) return nullptr;
    bounce_.reset(static_cast<uint8_t*>(p));
  }
  return bounce_.get();
}

void SwapDevice::countIo(bool write, int res) {
  uint64_t& ok = write ? stats_.writes : stats_.reads;
  uint64_t& bad = write ? stats_.writeErrors : stats_.readErrors;
  uint64_t& bytes = write ? stats_.bytesWritten : stats_.bytesRead;
  if (res == int(pageSize_)) {
    ok++;
    bytes += pageSize_;
  } else {
    bad++;
  }
}

int SwapDevice::writeSlot(uint32_t slot, const uint8_t* page) {
  const uint8_t* src = page;
  if (uintptr_t(page) % memAlign_ != 0) {
    uint8_t* b = bounce();
    if (!b) return -ENOMEM;
    memcpy(b, page, pageSize_);
    src = b;
  }
  size_t done = 0;
  while (done < pageSize_) {
    ssize_t r = pwrite(fd_, src + done, pageSize_ - done, offsetOf(slot) + off_t(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : ENOSPC;
      countIo(true, -e);
      return -e;
    }
    done += size_t(r);
  }
  countIo(true, int(pageSize_));
  return 0;
}

int SwapDevice::readSlot(uint32_t slot, uint8_t* page) {
  bool direct = uintptr_t(page) % memAlign_ == 0;
  uint8_t* dst = direct ? page : bounce();
  if (!dst) return -ENOMEM;
  size_t done = 0;
  while (done < pageSize_) {
    ssize_t r = pread(fd_, dst + done, pageSize_ - done, offsetOf(slot) + off_t(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : EIO;  // a short device: the bytes are not there
      countIo(false, -e);
      return -e;
    }
    done += size_t(r);
  }
  if (!direct) memcpy(page, dst, pageSize_);
  countIo(false, int(pageSize_));
  return 0;
}

DeviceHoldings SwapDevice::holdings() const {
  DeviceHoldings h;
  h.source = "none";
  if (fd_ < 0) return h;
  if (kind_ == DeviceKind::File) {
    struct stat st;
    if (fstat(fd_, &st) == 0) {
      h.source = "file";
      h.heldBytes = uint64_t(st.st_blocks) * 512;
    }
    return h;
  }
  std::string name = blockDeviceName(rdev_);
  if (name.rfind("zram", 0) == 0) {
    // mm_stat: orig_data_size compr_data_size mem_used_total ...
    std::ifstream f("/sys/block/" + name + "/mm_stat");
    if (f >> h.origBytes >> h.comprBytes >> h.heldBytes) h.source = "zram";
  } else if (name.rfind("loop", 0) == 0) {
    std::ifstream f("/sys/block/" + name + "/loop/backing_file");
    std::string backing;
    struct stat st;
    if (std::getline(f, backing) && stat(backing.c_str(), &st) == 0) {
      h.source = "loop";
      h.heldBytes = uint64_t(st.st_blocks) * 512;
    }
  }
  return h;
}

}  // namespace frontswap
