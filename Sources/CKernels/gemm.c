// The matrix product st_gemm (and its pre-packed form) in plain C, AVX2 and AVX-512. All three do the
// same arithmetic per element of C, in the same order: a sum over p from 0 up, one fused multiply-add
// at a time, starting from 0 or from C (fmaf in plain C is correctly rounded on every CPU, so the three
// agree bit for bit). Only the order in which elements are visited differs, and that changes no bit.
#include "CKernels.h"
#include "lanes.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

// Long sums (weight gradients over every step and sample) run in chunks of K_CHUNK so that the panel
// of B being read stays in L1 across row tiles. Between chunks an element's partial sum goes through
// memory, which changes no bit.
#define K_CHUNK 128
// B is read in panels of PANEL columns. Pre-packed B (st_pack) stores each panel's rows contiguously.
#define PANEL 64

// Where B's row p, column j is: b[(j / PANEL) * panel_stride + p * ldb + j % PANEL]. Plain row-major B
// is ldb = n, panel_stride = PANEL; packed B is ldb = PANEL, panel_stride = k · PANEL.
typedef struct { const float *b; long ldb, panel_stride; } matrix_b;

static inline const float *b_at(matrix_b b, long p, long j) {
    return b.b + (j / PANEL) * b.panel_stride + p * b.ldb + j % PANEL;
}

// ---------------------------------------------------------------------------------------------
// Plain C (every platform; also the reference the vector paths must equal bit for bit).

static void gemm_scalar(long m, long n, long k, const float *a, long ar, long ac, matrix_b b, float *c, int acc) {
    for (long i = 0; i < m; i++) {
        float *ci = c + i * n;
        if (!acc) memset(ci, 0, (size_t)n * sizeof(float));
        for (long p = 0; p < k; p++) {
            const float s = a[i * ar + p * ac];
            for (long j0 = 0; j0 < n; j0 += PANEL) {
                const float *bp = b_at(b, p, j0);
                const long w = n - j0 < PANEL ? n - j0 : PANEL;
                for (long j = 0; j < w; j++) ci[j0 + j] = fmaf(s, bp[j], ci[j0 + j]);
            }
        }
    }
}

#if defined(__x86_64__)
// The plain-C loop with the FMA instruction (fmaf is a library call without it): for tiny products,
// which cost more to set up as vector tiles than to do one element at a time.
__attribute__((target("fma")))
static void gemm_tiny_fma(long m, long n, long k, const float *a, long ar, long ac, matrix_b b, float *c, int acc) {
    for (long i = 0; i < m; i++) {
        float *ci = c + i * n;
        if (!acc) for (long j = 0; j < n; j++) ci[j] = 0;
        for (long p = 0; p < k; p++) {
            const float s = a[i * ar + p * ac];
            const float *bp = b_at(b, p, 0);
            for (long j = 0; j < n; j++) ci[j] = __builtin_fmaf(s, bp[j], ci[j]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2: blocks of 4 rows x 16 columns (two 8-lane registers per row), masked at the right edge.

__attribute__((target("avx2,fma")))
static void gemm_avx2(long m, long n, long k, const float *a, long ar, long ac, matrix_b b, float *c, int acc) {
    for (long j0 = 0; j0 < n; j0 += 16) {  // 16 divides PANEL, so a block never straddles two panels
        const long w = n - j0;
        const __m256i m0 = lanes8(w), m1 = lanes8(w - 8);
        const float *bj = b_at(b, 0, j0);
        long i = 0;
        for (; i + 4 <= m; i += 4) {
            __m256 c0[4], c1[4];
            for (int r = 0; r < 4; r++) {
                float *cr = c + (i + r) * n + j0;
                c0[r] = acc ? _mm256_maskload_ps(cr, m0) : _mm256_setzero_ps();
                c1[r] = acc ? _mm256_maskload_ps(cr + 8, m1) : _mm256_setzero_ps();
            }
            for (long p = 0; p < k; p++) {
                const float *bp = bj + p * b.ldb;
                const __m256 b0 = _mm256_maskload_ps(bp, m0), b1 = _mm256_maskload_ps(bp + 8, m1);
                for (int r = 0; r < 4; r++) {
                    const __m256 s = _mm256_set1_ps(a[(i + r) * ar + p * ac]);
                    c0[r] = _mm256_fmadd_ps(s, b0, c0[r]);
                    c1[r] = _mm256_fmadd_ps(s, b1, c1[r]);
                }
            }
            for (int r = 0; r < 4; r++) {
                float *cr = c + (i + r) * n + j0;
                _mm256_maskstore_ps(cr, m0, c0[r]);
                _mm256_maskstore_ps(cr + 8, m1, c1[r]);
            }
        }
        for (; i < m; i++) {
            float *cr = c + i * n + j0;
            __m256 c0 = acc ? _mm256_maskload_ps(cr, m0) : _mm256_setzero_ps();
            __m256 c1 = acc ? _mm256_maskload_ps(cr + 8, m1) : _mm256_setzero_ps();
            for (long p = 0; p < k; p++) {
                const float *bp = bj + p * b.ldb;
                const __m256 s = _mm256_set1_ps(a[i * ar + p * ac]);
                c0 = _mm256_fmadd_ps(s, _mm256_maskload_ps(bp, m0), c0);
                c1 = _mm256_fmadd_ps(s, _mm256_maskload_ps(bp + 8, m1), c1);
            }
            _mm256_maskstore_ps(cr, m0, c0);
            _mm256_maskstore_ps(cr + 8, m1, c1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512: C in tiles of R rows x V·16 columns held in R·V registers (masked at the right edge). Per p a
// tile loads V vectors of B's row p, broadcasts R values of A and does R·V multiply-adds: 12 to 16
// accumulators keep both FMA ports busy through the 4-cycle latency, with few loads per multiply-add
// (more spill: 12 x 32 ran at a third of 8 x 32's speed).

__attribute__((target("avx512f,fma"), always_inline))
static inline void tile512(const int R, const int V, long k, const float *a, long ar, long ac, const float *b, long ldb,
                           float *c, long ldc, int acc, long width) {
    __mmask16 mk[4];
    for (int v = 0; v < V; v++) mk[v] = lanes16(width - 16 * v);
    __m512 cv[12][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) cv[r][v] = acc ? _mm512_maskz_loadu_ps(mk[v], c + r * ldc + 16 * v) : _mm512_setzero_ps();
    for (long p = 0; p < k; p++) {
        __m512 bv[4];
        for (int v = 0; v < V; v++) bv[v] = _mm512_maskz_loadu_ps(mk[v], b + p * ldb + 16 * v);
        for (int r = 0; r < R; r++) {
            const __m512 s = _mm512_set1_ps(a[r * ar + p * ac]);
            for (int v = 0; v < V; v++) cv[r][v] = _mm512_fmadd_ps(s, bv[v], cv[r][v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mk[v], cv[r][v]);
}

// Every row of one column block [j0, j0 + width): tiles of 4 rows (64 columns), 8 (32) or 12 (16 or
// fewer), then one tile of the remaining rows.
__attribute__((target("avx512f,fma"), always_inline))
static inline void block512(const int V, long m, long k, const float *a, long ar, long ac, const float *b, long ldb,
                            float *c, long ldc, int acc, long width) {
    const int R = V == 4 ? 4 : (V == 2 ? 8 : 12);
    long i = 0;
    for (; i + R <= m; i += R) tile512(R, V, k, a + i * ar, ar, ac, b, ldb, c + i * ldc, ldc, acc, width);
    const float *ai = a + i * ar;
    float *ci = c + i * ldc;
    switch (m - i) {
    case 11: tile512(11, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 10: tile512(10, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 9: tile512(9, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 8: tile512(8, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 7: tile512(7, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 6: tile512(6, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 5: tile512(5, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 4: tile512(4, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 3: tile512(3, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 2: tile512(2, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    case 1: tile512(1, V, k, ai, ar, ac, b, ldb, ci, ldc, acc, width); break;
    default: break;
    }
}

// Panels of 64 columns, then blocks of 32, then the last (masked) block. `copy` holds a panel of B
// copied into contiguous rows (see gemm_avx512), or is NULL to read B in place.
__attribute__((target("avx512f,fma")))
static void gemm_avx512_panels(long m, long n, long k, const float *a, long ar, long ac, matrix_b b, float *c, int acc,
                               float *copy) {
    long j0 = 0;
    for (; j0 + PANEL <= n; j0 += PANEL) {
        const float *bp = b_at(b, 0, j0);
        long ldb = b.ldb;
        if (copy) {
            for (long p = 0; p < k; p++)
                for (int v = 0; v < 4; v++) _mm512_store_ps(copy + p * PANEL + 16 * v, _mm512_loadu_ps(bp + p * ldb + 16 * v));
            bp = copy;
            ldb = PANEL;
        }
        block512(4, m, k, a, ar, ac, bp, ldb, c + j0, n, acc, PANEL);
    }
    for (; j0 < n; j0 += 32) {  // 32 divides PANEL, so a block never straddles two panels
        const long width = n - j0 < 32 ? n - j0 : 32;
        if (width > 16) block512(2, m, k, a, ar, ac, b_at(b, 0, j0), b.ldb, c + j0, n, acc, width);
        else block512(1, m, k, a, ar, ac, b_at(b, 0, j0), b.ldb, c + j0, n, acc, width);
    }
}

// Rows of a plain B that are long (n ≥ 256) or read by many row tiles (m ≥ 64) are first copied panel
// by panel into a contiguous buffer: rows n floats apart fall into few L1 sets and evict each other (a
// third of the speed at n = 512). Only then does the call need the 32 KiB buffer on its stack.
__attribute__((target("avx512f,fma")))
static void gemm_avx512(long m, long n, long k, const float *a, long ar, long ac, matrix_b b, float *c, int acc) {
    if (b.ldb == n && n > PANEL && (m >= 64 || (n >= 256 && m >= 8))) {
        float panel[K_CHUNK * PANEL] __attribute__((aligned(64)));
        gemm_avx512_panels(m, n, k, a, ar, ac, b, c, acc, panel);
    } else {
        gemm_avx512_panels(m, n, k, a, ar, ac, b, c, acc, NULL);
    }
}
#endif

// ---------------------------------------------------------------------------------------------
// Entry points.

static void gemm(long m, long n, long k, const float *a, long a_row, long a_col, matrix_b b, float *c, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) memset(c, 0, (size_t)(m * n) * sizeof(float));
        return;
    }
    const int level = st_simd_level();
#if defined(__x86_64__)
    if (level >= 1 && n <= PANEL && m * n * k <= 64) {  // a one-unit layer's step
        gemm_tiny_fma(m, n, k, a, a_row, a_col, b, c, accumulate);
        return;
    }
#endif
    for (long p0 = 0; p0 < k; p0 += K_CHUNK) {
        const long kc = k - p0 < K_CHUNK ? k - p0 : K_CHUNK;
        const float *ap = a + p0 * a_col;
        const matrix_b bp = { b.b + p0 * b.ldb, b.ldb, b.panel_stride };
        const int acc = p0 == 0 ? accumulate : 1;
        switch (level) {
#if defined(__x86_64__)
        case 2: gemm_avx512(m, n, kc, ap, a_row, a_col, bp, c, acc); break;
        case 1: gemm_avx2(m, n, kc, ap, a_row, a_col, bp, c, acc); break;
#endif
        default: gemm_scalar(m, n, kc, ap, a_row, a_col, bp, c, acc); break;
        }
    }
}

void st_gemm(long m, long n, long k, const float *a, long a_row, long a_col, const float *b, float *c, int accumulate) {
    const matrix_b plain = { b, n, PANEL };
    gemm(m, n, k, a, a_row, a_col, plain, c, accumulate);
}

long st_packed_count(long k, long n) { return ((n + PANEL - 1) / PANEL) * k * PANEL; }

void st_pack(long k, long n, const float *b, float *packed) {
    for (long j0 = 0; j0 < n; j0 += PANEL) {
        const long w = n - j0 < PANEL ? n - j0 : PANEL;
        float *panel = packed + (j0 / PANEL) * k * PANEL;
        for (long p = 0; p < k; p++) {
            memcpy(panel + p * PANEL, b + p * n + j0, (size_t)w * sizeof(float));
            memset(panel + p * PANEL + w, 0, (size_t)(PANEL - w) * sizeof(float));
        }
    }
}

void st_gemm_packed(long m, long n, long k, const float *a, long a_row, long a_col, const float *packed, float *c, int accumulate) {
    const matrix_b panels = { packed, PANEL, k * PANEL };
    gemm(m, n, k, a, a_row, a_col, panels, c, accumulate);
}
