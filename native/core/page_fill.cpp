#include "page_fill.h"

#include <cstring>

namespace frontswap {
namespace {

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A small vocabulary drawn at random: repeated words compress, the random order
// keeps the ratio near what lzo/lz4 get on source text (2-3x), not 10x.
const char* const kWords[] = {
    "the", "page", "swap", "copy", "store", "load", "kernel", "memory", "device", "frontswap",
    "zram", "zswap", "batch", "engine", "slot", "offset", "return", "const", "static", "void",
    "struct", "int", "size_t", "if", "else", "for", "while", "uint64_t", "nullptr", "true",
    "false", "buffer", "length", "index", "value", "error", "result", "status", "thread", "queue",
    "ring", "submit", "complete", "wait", "wake", "folio", "reclaim", "fault", "madvise", "mmap",
    "{", "}", "(", ")", ";", "=", "==", "->", "0", "1", "4096", "//", "\n", "\n    "};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

void randomPage(uint8_t* p, uint64_t state) {
  for (size_t i = 0; i < kSmallPage; i += 8) {
    uint64_t v = splitmix(state);
    std::memcpy(p + i, &v, 8);
  }
}

void textPage(uint8_t* p, uint64_t state) {
  size_t at = 0;
  while (at < kSmallPage) {
    uint64_t r = splitmix(state);
    const char* w = kWords[r % kWordCount];
    size_t n = std::strlen(w);
    // A number now and then, as in real text: digits drawn at random.
    if ((r >> 32) % 16 == 0) {
      char num[12];
      int len = 0;
      for (uint32_t v = uint32_t(r >> 40) % 100000; len == 0 || v > 0; v /= 10) num[len++] = char('0' + v % 10);
      for (int i = len - 1; i >= 0 && at < kSmallPage; i--) p[at++] = uint8_t(num[i]);
    }
    for (size_t i = 0; i < n && at < kSmallPage; i++) p[at++] = uint8_t(w[i]);
    if (at < kSmallPage) p[at++] = ' ';
  }
}

}  // namespace

void fillPages(uint8_t* p, size_t bytes, Fill fill, uint32_t seed, uint64_t firstPage) {
  for (size_t off = 0, i = 0; off + kSmallPage <= bytes; off += kSmallPage, i++) {
    uint64_t state = (uint64_t(seed) << 32) ^ (firstPage + i) * 0x2545f4914f6cdd1dull;
    switch (fill) {
      case Fill::Random: randomPage(p + off, state); break;
      case Fill::Text: textPage(p + off, state); break;
      case Fill::Zero: std::memset(p + off, 0, kSmallPage); break;
    }
  }
}

uint64_t checksum(const uint8_t* p, size_t bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    h = (h ^ v) * 0x100000001b3ull;
  }
  for (; i < bytes; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace frontswap
