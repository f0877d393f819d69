// How JS encodes operations into the Uint32Array it hands to a submit call.
// The TS layer reads these numbers from the addon (binding.layout), never
// hard-codes them.
#pragma once
#include <cstdint>

namespace frontswap {
namespace layout {

// Frontswap batch op: 4 words.
constexpr uint32_t kFsOpWords = 4;
// word 0: opcode | type << 8 | buffer kind << 16; word 1: offset;
// word 2: view index or registered buffer id; word 3: byte offset in that buffer.
constexpr uint32_t kFsStore = 1, kFsLoad = 2, kFsInvalidate = 3;
constexpr uint32_t kBufNone = 0, kBufView = 1, kBufRegistered = 2;

// Raw engine op: 5 words.
constexpr uint32_t kRawOpWords = 5;
// word 0: opcode; word 1: registered pool id; word 2: slot;
// word 3: registered buffer id (or destination slot for slot->slot); word 4: byte offset.
constexpr uint32_t kRawToSlot = 1, kRawFromSlot = 2, kRawSlotToSlot = 3;

}  // namespace layout
}  // namespace frontswap
