// Masks of a vector register's first lanes, for the right edge of a row: shared by the kernels.
#ifndef SEQTRAIN_LANES_H
#define SEQTRAIN_LANES_H
#if defined(__x86_64__)
#include <immintrin.h>

// The first w of 16 AVX-512 lanes: none for w <= 0, all for w >= 16.
static inline __mmask16 lanes16(long w) {
    return w <= 0 ? (__mmask16)0 : (w >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << w) - 1));
}

// The first w of 8 AVX2 lanes, every bit of a lane set (for maskload and maskstore).
__attribute__((target("avx2")))
static inline __m256i lanes8(long w) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(w < 0 ? 0 : (w > 8 ? 8 : w))), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif
#endif
