// Error codes shared by the plain C++ core and the Node-API glue. The glue turns
// them into JS errors whose `code` is the string from codeName().
#pragma once
#include <cstdint>
#include <string>

namespace frontswap {

enum class Code : int32_t {
  Ok = 0,
  InvalidArg,              // wrong type
  OutOfRange,              // right type, value outside the accepted range
  BufferSize,              // a page view whose length is not the pool's page size
  BufferDetached,          // a view over a detached ArrayBuffer
  TypeNotInitialized,      // store/load/... on a swap type that init() never opened
  TypeAlreadyInitialized,  // init() of a type that is open
  PoolClosed,
  HugepagesUnavailable,    // explicit 'hugetlb' and the kernel has none to give
  ThpUnavailable,          // explicit 'thp' and THP is disabled
  MmapFailed,
  EngineClosed,
  ThreadsUnavailable,      // the engine's worker threads could not be started
  BadDescriptor,           // a raw engine descriptor that names memory it may not touch
  SlotNotReserved,         // a raw copy on a slot that pool.reserve() did not hand out
  // Swap devices (swap_device.h, uring_queue.h).
  DeviceClosed,
  DeviceKind,              // neither a block device nor a regular file
  DeviceTooSmall,
  DeviceMounted,           // a filesystem on it (or on one of its partitions) is mounted
  DeviceSwapActive,        // it is an active swap device or swap file
  DeviceBusy,              // held exclusively by someone else (O_EXCL refused)
  DeviceOpenFailed,        // open/stat/extend failed for another reason (the message has errno)
  DirectIoUnsupported,     // O_DIRECT refused, or pageSize not a multiple of the device's block
  DiscardUnsupported,      // a discard mode on a device that cannot discard
  IoError,                 // pread/pwrite failed: the JS error's code is the errno name
  UringUnavailable,        // built without liburing
  UringDisabled,           // io_uring_setup refused (kernel.io_uring_disabled, seccomp)
  RegionAttached,          // the pool serves a SwapRegion's threads until region.close()
  UserfaultfdUnavailable,  // no userfaultfd with write-protect for this process
  RegionClosed,
  BufferResizable,         // an async page or registered buffer over a resizable (non-shared) ArrayBuffer
  NumaNodeUnavailable,     // a pool bound to a NUMA node that does not exist or has no memory
};
constexpr int32_t kCodeCount = int32_t(Code::NumaNodeUnavailable) + 1;

inline const char* codeName(Code c) {
  switch (c) {
    case Code::Ok: return "OK";
    case Code::InvalidArg: return "ERR_INVALID_ARG";
    case Code::OutOfRange: return "ERR_OUT_OF_RANGE";
    case Code::BufferSize: return "ERR_BUFFER_SIZE";
    case Code::BufferDetached: return "ERR_BUFFER_DETACHED";
    case Code::TypeNotInitialized: return "ERR_TYPE_NOT_INITIALIZED";
    case Code::TypeAlreadyInitialized: return "ERR_TYPE_ALREADY_INITIALIZED";
    case Code::PoolClosed: return "ERR_POOL_CLOSED";
    case Code::HugepagesUnavailable: return "ERR_HUGEPAGES_UNAVAILABLE";
    case Code::ThpUnavailable: return "ERR_THP_UNAVAILABLE";
    case Code::MmapFailed: return "ERR_MMAP_FAILED";
    case Code::EngineClosed: return "ERR_ENGINE_CLOSED";
    case Code::ThreadsUnavailable: return "ERR_THREADS_UNAVAILABLE";
    case Code::BadDescriptor: return "ERR_BAD_DESCRIPTOR";
    case Code::SlotNotReserved: return "ERR_SLOT_NOT_RESERVED";
    case Code::DeviceClosed: return "ERR_DEVICE_CLOSED";
    case Code::DeviceKind: return "ERR_DEVICE_KIND";
    case Code::DeviceTooSmall: return "ERR_DEVICE_TOO_SMALL";
    case Code::DeviceMounted: return "ERR_DEVICE_MOUNTED";
    case Code::DeviceSwapActive: return "ERR_DEVICE_SWAP_ACTIVE";
    case Code::DeviceBusy: return "ERR_DEVICE_BUSY";
    case Code::DeviceOpenFailed: return "ERR_DEVICE_OPEN";
    case Code::DirectIoUnsupported: return "ERR_DIRECT_IO_UNSUPPORTED";
    case Code::DiscardUnsupported: return "ERR_DISCARD_UNSUPPORTED";
    case Code::IoError: return "ERR_IO";
    case Code::UringUnavailable: return "ERR_URING_UNAVAILABLE";
    case Code::UringDisabled: return "ERR_URING_DISABLED";
    case Code::RegionAttached: return "ERR_REGION_ATTACHED";
    case Code::UserfaultfdUnavailable: return "ERR_USERFAULTFD_UNAVAILABLE";
    case Code::RegionClosed: return "ERR_REGION_CLOSED";
    case Code::BufferResizable: return "ERR_BUFFER_RESIZABLE";
    case Code::NumaNodeUnavailable: return "ERR_NUMA_NODE_UNAVAILABLE";
  }
  return "ERR_UNKNOWN";
}

// The message for an error of code `c`, written once for every place that
// raises it; `arg` is the swap type or slot the message names, where it names one.
inline std::string codeMessage(Code c, uint64_t arg = 0) {
  const std::string n = std::to_string(arg);
  switch (c) {
    case Code::PoolClosed: return "the pool is closed";
    case Code::EngineClosed: return "the engine is closed";
    case Code::TypeNotInitialized: return "swap type " + n + " is not initialized: call init(" + n + ") first";
    case Code::TypeAlreadyInitialized: return "swap type " + n + " is already initialized (invalidateArea() closes it)";
    case Code::SlotNotReserved: return "slot " + n + " is not a reserved slot of this pool";
    case Code::DeviceClosed: return "the swap device is closed";
    case Code::RegionAttached: return "a SwapRegion owns this pool until region.close()";
    case Code::RegionClosed: return "the region is closed";
    default: return std::string("operation failed (") + codeName(c) + ")";
  }
}

}  // namespace frontswap
