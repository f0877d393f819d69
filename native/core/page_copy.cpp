#include "page_copy.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace frontswap {
namespace {

#if defined(__x86_64__)
// One AVX2 loop, 128 bytes a turn; Stream picks non-temporal stores.
template <bool Stream>
__attribute__((target("avx2"))) void avx2Loop(uint8_t* dst, const uint8_t* src, size_t len) {
  for (size_t i = 0; i < len; i += 128) {
    __m256i v[4];
    for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32 * k));
    for (int k = 0; k < 4; k++) {
      __m256i* out = reinterpret_cast<__m256i*>(dst + i + 32 * k);
      if (Stream) _mm256_stream_si256(out, v[k]);
      else _mm256_storeu_si256(out, v[k]);
    }
  }
  if (Stream) _mm_sfence();  // streaming stores are weakly ordered: fence before anyone is told
}

__attribute__((target("avx2"))) void streamAvx2(uint8_t* dst, const uint8_t* src, size_t len) { avx2Loop<true>(dst, src, len); }
__attribute__((target("avx2"))) void copyAvx2(uint8_t* dst, const uint8_t* src, size_t len) { avx2Loop<false>(dst, src, len); }

void streamSse2(uint8_t* dst, const uint8_t* src, size_t len) {
  for (size_t i = 0; i < len; i += 64) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
  }
  _mm_sfence();
}
#endif

void plainCopy(uint8_t* dst, const uint8_t* src, size_t len) { std::memcpy(dst, src, len); }

CopyFn pickStream() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return streamAvx2;
  return streamSse2;
#else
  return plainCopy;
#endif
}

CopyFn pickPage() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return copyAvx2;
#endif
  return plainCopy;
}

}  // namespace

const CopyFn streamCopy = pickStream();
const CopyFn pageCopy = pickPage();

const char* streamCopyKind() {
#if defined(__x86_64__)
  return streamCopy == streamAvx2 ? "avx2" : "sse2";
#else
  return "memcpy";
#endif
}

}  // namespace frontswap
