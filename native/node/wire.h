// The wire protocol between the TypeScript layer and the addon: every number both
// sides know is defined here (and, for the shared words and the error codes, in
// the core headers this includes), and addon.cpp exports all of it at load as
// `wire`. lib/wire.ts reads it from there and never hard-codes a number.
#pragma once
#include <cstdint>

#include "../core/copy_engine.h"
#include "../core/frontswap.h"
#include "../core/frontswap_uring.h"
#include "../core/shared_words.h"
#include "../core/status.h"

namespace frontswap {
namespace wire {

// Limits both sides check: swap types 0..kTypes-1 (a power of two), engine
// workers 1..kMaxWorkers. A key may travel packed as one number:
// type * kKeyTypeFactor + offset (offsets are 32-bit).
constexpr uint32_t kTypes = Frontswap::kTypes;
constexpr uint32_t kMaxWorkers = CopyEngine::kMaxWorkers;
constexpr double kKeyTypeFactor = 4294967296.0;
static_assert((kTypes & (kTypes - 1)) == 0, "the TS layer tests a type with a mask");

// Frontswap batch op: kFsOpWords u32 words.
//   word 0: opcode | type << kTypeShift | buffer kind << kBufShift
//   word 1: offset
//   word 2: view index (kBufView) or registered buffer id (kBufRegistered)
//   word 3: byte offset inside the registered buffer
constexpr uint32_t kFsOpWords = 4;
constexpr uint32_t kFieldMask = 0xff;  // opcode and type are one byte each
constexpr uint32_t kTypeShift = 8;
constexpr uint32_t kBufShift = 16;
constexpr uint32_t kFsStore = 1, kFsLoad = 2, kFsInvalidate = 3;
constexpr uint32_t kBufNone = 0, kBufView = 1, kBufRegistered = 2;

inline uint32_t opcode(uint32_t word0) { return word0 & kFieldMask; }
inline uint32_t opType(uint32_t word0) { return (word0 >> kTypeShift) & kFieldMask; }
inline uint32_t bufKind(uint32_t word0) { return word0 >> kBufShift; }

// Raw engine op: kRawOpWords u32 words.
//   word 0: opcode; word 1: registered pool id; word 2: slot;
//   word 3: registered buffer id (or the destination slot for kRawSlotToSlot); word 4: byte offset.
constexpr uint32_t kRawOpWords = 5;
constexpr uint32_t kRawToSlot = 1, kRawFromSlot = 2, kRawSlotToSlot = 3;

// A device front-end's io_uring op: kDevOpWords u32 words: kind (AsyncOpKind), type, offset.
constexpr uint32_t kDevOpWords = 3;
constexpr uint32_t kDevStore = uint32_t(AsyncOpKind::Store), kDevLoad = uint32_t(AsyncOpKind::Load),
                   kDevInvalidate = uint32_t(AsyncOpKind::Invalidate);

// A front-end's counters, in the order stats() writes them into a Float64Array;
// TS names the fields from kStatNames.
#define FRONTSWAP_STATS(X)                                                                                   \
  X(succStores) X(failedStores) X(duplicateStores) X(loads) X(failedLoads) X(exclusiveLoads) X(invalidates) \
      X(areaInvalidates) X(areaInvalidatedPages) X(storedPages) X(usedPages) X(capacity) X(mapBytes)        \
          X(initializedTypesMask) X(ioErrors) X(lostPages)

enum class Stat : uint32_t {
#define FRONTSWAP_STAT_ENUM(name) name,
  FRONTSWAP_STATS(FRONTSWAP_STAT_ENUM)
#undef FRONTSWAP_STAT_ENUM
      Count
};
constexpr uint32_t kStatsFields = uint32_t(Stat::Count);
constexpr const char* kStatNames[] = {
#define FRONTSWAP_STAT_NAME(name) #name,
    FRONTSWAP_STATS(FRONTSWAP_STAT_NAME)
#undef FRONTSWAP_STAT_NAME
};

// A SwapDevice's counters and an io_uring queue's, in the order their stats()
// write them; TS names the fields from kDeviceStatNames / kUringStatNames.
#define FRONTSWAP_DEVICE_STATS(X)                                                                            \
  X(reads) X(writes) X(bytesRead) X(bytesWritten) X(readErrors) X(writeErrors) X(discards) X(discardedPages) \
      X(discardErrors) X(discardNs) X(staleSlots) X(usedPages) X(freePages)
#define FRONTSWAP_URING_STATS(X) \
  X(submitCalls) X(sqes) X(cqes) X(waitedOps) X(maxBacklog) X(inflight) X(pending) X(fixedBuffers) \
      X(refills) X(refilledSqes) X(writeP50Ns) X(writeP99Ns) X(readP50Ns) X(readP99Ns)

#define FRONTSWAP_STAT_ENUM(name) name,
#define FRONTSWAP_STAT_NAME(name) #name,
enum class DeviceStat : uint32_t { FRONTSWAP_DEVICE_STATS(FRONTSWAP_STAT_ENUM) Count };
enum class UringStat : uint32_t { FRONTSWAP_URING_STATS(FRONTSWAP_STAT_ENUM) Count };
constexpr const char* kDeviceStatNames[] = {FRONTSWAP_DEVICE_STATS(FRONTSWAP_STAT_NAME)};
constexpr const char* kUringStatNames[] = {FRONTSWAP_URING_STATS(FRONTSWAP_STAT_NAME)};
#undef FRONTSWAP_STAT_ENUM
#undef FRONTSWAP_STAT_NAME
constexpr uint32_t kDeviceStatsFields = uint32_t(DeviceStat::Count);
constexpr uint32_t kUringStatsFields = uint32_t(UringStat::Count);

}  // namespace wire
}  // namespace frontswap
