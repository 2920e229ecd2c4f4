// Transposes, in 16 x 16 tiles: the lines written stay in L1 while a tile fills them (column by column
// over a whole row, every write touched a new line once rows exceed a few dozen). With AVX-512 a tile
// is 16 loads, 64 shuffles in registers and 16 stores instead of 256 single moves. Only data moves, so
// every path gives the same result.
#include "CKernels.h"
#include "lanes.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void transpose_scalar(long rows, long cols, const float *src, float *dst) {
    for (long r0 = 0; r0 < rows; r0 += 16) {
        const long r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (long c0 = 0; c0 < cols; c0 += 16) {
            const long c1 = c0 + 16 < cols ? c0 + 16 : cols;
            for (long c = c0; c < c1; c++)
                for (long r = r0; r < r1; r++) dst[c * rows + r] = src[r * cols + c];
        }
    }
}

#if defined(__x86_64__)
// Rows [r0, r0 + nr) and columns [c0, c0 + nc) of src, nr and nc at most 16: two, four and eight lanes
// apart are interleaved in turn (unpack, unpack by pairs, 128-bit blocks twice).
__attribute__((target("avx512f"), always_inline))
static inline void tile512(long rows, long cols, long r0, long c0, long nr, long nc, const float *src, float *dst) {
    const __mmask16 columns = lanes16(nc), lanes = lanes16(nr);
    __m512 r[16], t[16];
    // Fixed trip counts, rows and columns past the edge masked off, so that the 32 registers hold the tile.
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) r[i] = _mm512_maskz_loadu_ps(i < nr ? columns : 0, src + (r0 + (i < nr ? i : 0)) * cols + c0);
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i += 8) {
#pragma clang loop unroll(full)
        for (int k = 0; k < 4; k++) {
            t[i + k] = _mm512_shuffle_f32x4(r[i + k], r[i + k + 4], 0x88);
            t[i + k + 4] = _mm512_shuffle_f32x4(r[i + k], r[i + k + 4], 0xdd);
        }
    }
#pragma clang loop unroll(full)
    for (int k = 0; k < 8; k++) {
        r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
        r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) _mm512_mask_storeu_ps(dst + (c0 + (i < nc ? i : 0)) * rows + r0, i < nc ? lanes : 0, r[i]);
}

// Each of `steps` consecutive matrices; one call for all of them, the tiles inlined (a call per step
// cost more than the moves for the 20 x 16 blocks of a Conv1D step).
__attribute__((target("avx512f")))
static void transpose_avx512(long steps, long rows, long cols, const float *src, float *dst) {
    for (long t = 0; t < steps; t++, src += rows * cols, dst += rows * cols)
        for (long r0 = 0; r0 < rows; r0 += 16)
            for (long c0 = 0; c0 < cols; c0 += 16)
                tile512(rows, cols, r0, c0, rows - r0 < 16 ? rows - r0 : 16, cols - c0 < 16 ? cols - c0 : 16, src, dst);
}
#endif

void st_transpose(long rows, long cols, const float *src, float *dst) { st_transpose_steps(1, rows, cols, src, dst); }

void st_transpose_steps(long steps, long rows, long cols, const float *src, float *dst) {
#if defined(__x86_64__)
    if (st_simd_level() == 2) { transpose_avx512(steps, rows, cols, src, dst); return; }
#endif
    for (long t = 0; t < steps; t++) transpose_scalar(rows, cols, src + t * rows * cols, dst + t * rows * cols);
}
