// Page contents for swap measurements: incompressible (random), text-like
// (~2-3x compressible by lzo/lz4, like program text or JSON), and zero-filled.
// Deterministic in (seed, page index), so the same pages can be written into a
// kernel-swapped region and into a frontswap pool.
#pragma once
#include <cstddef>
#include <cstdint>

namespace frontswap {

enum class Fill : int32_t { Random = 0, Text = 1, Zero = 2 };
constexpr int32_t kFillCount = 3;
constexpr size_t kSmallPage = 4096;

// Fills `bytes` (a multiple of 4096) at `p`; page i's contents depend on (seed, firstPage + i).
void fillPages(uint8_t* p, size_t bytes, Fill fill, uint32_t seed, uint64_t firstPage = 0);

// A 64-bit FNV-1a-style hash over 8-byte words: detects any changed byte in practice.
uint64_t checksum(const uint8_t* p, size_t bytes);

}  // namespace frontswap
