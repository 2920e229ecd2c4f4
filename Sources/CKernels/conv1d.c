// Conv1D's products on step-feature-major batches, [T][F][B]: for each step and feature, the batch's
// samples side by side. The samples are the vector lanes, so every multiply-add fills all 16 lanes
// whatever the number of filters; a time-major [T][B][F] product 20 filters wide fills 20 of 32.
//
// st_conv_apply (forward, and the input gradient) sums each output element in the same order as a
// time-major matrix product would: taps in the order given, features from 0 up, one fused
// multiply-add at a time from 0. st_conv_weight_gradient sums over steps and samples with one running
// sum per lane (sample b adds into lane b mod 16), then adds the 16 lanes pairwise (l + l+8, then
// + l+4, + l+2, + l+1). Plain C follows both orders exactly, so every level gives the same bits.
#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

#define LANES 16

static inline long min_long(long a, long b) { return a < b ? a : b; }

// The input step that output step i reads through tap m, or -1 in the padding.
static inline long source_step(const st_conv_geometry *g, long i, long m) {
    const long s = i + g->shift[m];
    return s >= 0 && s < g->steps_in ? s : -1;
}

// The 16 lanes' sums added pairwise, as the vector paths do.
static float lane_tree(const float *lane) {
    float s8[8], s4[4];
    for (int l = 0; l < 8; l++) s8[l] = lane[l] + lane[l + 8];
    for (int l = 0; l < 4; l++) s4[l] = s8[l] + s8[l + 4];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

// ---------------------------------------------------------------------------------------------
// Plain C (and AVX2, where the compiler vectorises the loops over lanes; each lane is its own sum).

#define PORTABLE_APPLY(FMA)                                                                          \
    const long B = g->batch, P = g->in_dim, O = g->out_dim;                                          \
    for (long i = 0; i < g->steps_out; i++)                                                          \
        for (long b0 = 0; b0 < B; b0 += LANES) {                                                     \
            const long nb = min_long(LANES, B - b0);                                                 \
            for (long o = 0; o < O; o++) {                                                           \
                float acc[LANES] = {0};                                                              \
                for (long q = 0; q < g->taps; q++) {                                                 \
                    const long m = g->order[q], s = source_step(g, i, m);                           \
                    if (s < 0) continue;                                                             \
                    for (long p = 0; p < P; p++) {                                                   \
                        const float wv = w[m * g->w_tap + p * g->w_in + o];               \
                        const float *x = in + (s * P + p) * B + b0;                                  \
                        for (long b = 0; b < nb; b++) acc[b] = FMA(x[b], wv, acc[b]);                \
                    }                                                                                \
                }                                                                                    \
                float *y = out + (i * O + o) * B + b0;                                               \
                for (long b = 0; b < nb; b++) {                                                      \
                    float v = bias ? acc[b] + bias[o] : acc[b];                                      \
                    y[b] = relu && 0.0f >= v ? 0.0f : v;                                             \
                }                                                                                    \
            }                                                                                        \
        }

#define PORTABLE_WEIGHT_GRADIENT(FMA)                                                                \
    const long B = g->batch, F = g->in_dim, C = g->out_dim;                                          \
    for (long m = 0; m < g->taps; m++)                                                               \
        for (long f = 0; f < F; f++)                                                                 \
            for (long c = 0; c < C; c++) {                                                           \
                float acc[LANES] = {0};                                                              \
                for (long i = 0; i < g->steps_out; i++) {                                            \
                    const long s = source_step(g, i, m);                                             \
                    if (s < 0) continue;                                                             \
                    for (long b0 = 0; b0 < B; b0 += LANES) {                                         \
                        const float *xs = x + (s * F + f) * B + b0, *ds = d + (i * C + c) * B + b0;  \
                        const long nb = min_long(LANES, B - b0);                                     \
                        for (long b = 0; b < nb; b++) acc[b] = FMA(xs[b], ds[b], acc[b]);            \
                    }                                                                                \
                }                                                                                    \
                dw[m * g->w_tap + f * g->w_in + c] = lane_tree(acc);                      \
            }

static void apply_scalar(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out) {
    PORTABLE_APPLY(fmaf)
}

static void weight_gradient_scalar(const st_conv_geometry *g, const float *x, const float *d, float *dw) {
    PORTABLE_WEIGHT_GRADIENT(fmaf)
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void apply_avx2(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out) {
    PORTABLE_APPLY(__builtin_fmaf)
}

__attribute__((target("avx2,fma")))
static void weight_gradient_avx2(const st_conv_geometry *g, const float *x, const float *d, float *dw) {
    PORTABLE_WEIGHT_GRADIENT(__builtin_fmaf)
}

// ---------------------------------------------------------------------------------------------
// AVX-512: one vector of samples by NO outputs per tile (NO accumulators), each weight broadcast from memory.
__attribute__((target("avx512f,fma"), always_inline))
static inline void apply_tile512(const int NO, const st_conv_geometry *g, long i, long b0, __mmask16 lanes, long o0,
                                 const float *in, const float *w, const float *bias, int relu, float *out) {
    const long B = g->batch, P = g->in_dim;
    __m512 acc[24];
#pragma clang loop unroll(full)
    for (int o = 0; o < NO; o++) acc[o] = _mm512_setzero_ps();
    for (long q = 0; q < g->taps; q++) {
        const long m = g->order[q], s = source_step(g, i, m);
        if (s < 0) continue;
        const float *wm = w + m * g->w_tap + o0;
        for (long p = 0; p < P; p++) {
            const __m512 xv = _mm512_maskz_loadu_ps(lanes, in + (s * P + p) * B + b0);
            const float *wp = wm + p * g->w_in;
#pragma clang loop unroll(full)
            for (int o = 0; o < NO; o++) acc[o] = _mm512_fmadd_ps(xv, _mm512_set1_ps(wp[o]), acc[o]);
        }
    }
    const __m512 zero = _mm512_setzero_ps();
#pragma clang loop unroll(full)
    for (int o = 0; o < NO; o++) {
        __m512 v = bias ? _mm512_add_ps(acc[o], _mm512_set1_ps(bias[o0 + o])) : acc[o];
        if (relu) v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(zero, v, _CMP_GE_OQ), zero);  // 0 >= v ? 0 : v
        _mm512_mask_storeu_ps(out + (i * g->out_dim + o0 + o) * B + b0, lanes, v);
    }
}

#define APPLY_CASE(n) case n: apply_tile512(n, g, i, b0, lanes, o0, in, w, bias, relu, out); break;

// Outputs in blocks of up to 24 (the registers hold 24 accumulators besides the input), as even as possible.
__attribute__((target("avx512f,fma")))
static void apply_avx512(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out) {
    const long O = g->out_dim, blocks = (O + 23) / 24, width = (O + blocks - 1) / blocks;
    for (long i = 0; i < g->steps_out; i++)
        for (long b0 = 0; b0 < g->batch; b0 += LANES) {
            const __mmask16 lanes = (__mmask16)((1u << min_long(LANES, g->batch - b0)) - 1);
            for (long o0 = 0; o0 < O; o0 += width) {
                switch (min_long(width, O - o0)) {
                    APPLY_CASE(1) APPLY_CASE(2) APPLY_CASE(3) APPLY_CASE(4) APPLY_CASE(5) APPLY_CASE(6)
                    APPLY_CASE(7) APPLY_CASE(8) APPLY_CASE(9) APPLY_CASE(10) APPLY_CASE(11) APPLY_CASE(12)
                    APPLY_CASE(13) APPLY_CASE(14) APPLY_CASE(15) APPLY_CASE(16) APPLY_CASE(17) APPLY_CASE(18)
                    APPLY_CASE(19) APPLY_CASE(20) APPLY_CASE(21) APPLY_CASE(22) APPLY_CASE(23) default: APPLY_CASE(24)
                }
            }
        }
}

// The lane tree of lane_tree, on a register: halves, quarters, pairs, neighbours.
__attribute__((target("avx512f"), always_inline))
static inline float lane_tree512(__m512 v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm512_cvtss_f32(v);
}

// lane_tree512 of 16 registers at once, sums[k] from v[k]: each step adds the same lanes as lane_tree,
// two registers' halves (then quarters, pairs, neighbours) side by side in one register.
__attribute__((target("avx512f"), always_inline))
static inline void lane_trees16(const __m512 *v, float *sums) {
    __m512 t[8], w[4], z[2];
    for (int k = 0; k < 8; k++)  // [a's l + l+8 | b's]: 8 lanes each
        t[k] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    for (int k = 0; k < 4; k++)  // + l+4: 4 lanes each of registers 4k … 4k+3
        w[k] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    for (int k = 0; k < 2; k++)  // + l+2: quarter j holds registers j and 4 + j (of 8k …)
        z[k] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * k], w[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(w[2 * k], w[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // + l+1: lane 4j + k holds register 4k + j; the permutation puts register r in lane r.
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    _mm512_storeu_ps(sums, _mm512_permutexvar_ps(order, r));
}

// NF features by NC filters of one tap's weight gradient: NF·NC running sums of 16 lanes, plus the NF + NC
// loaded vectors, within the 32 registers.
__attribute__((target("avx512f,fma"), always_inline))
static inline void weight_tile512(const int NF, const int NC, const st_conv_geometry *g, long m, long f0, long c0,
                                  const float *x, const float *d, float *dw) {
    const long B = g->batch, F = g->in_dim, C = g->out_dim;
    __m512 acc[4][5];
    for (int f = 0; f < NF; f++)
        for (int c = 0; c < NC; c++) acc[f][c] = _mm512_setzero_ps();
    for (long i = 0; i < g->steps_out; i++) {
        const long s = source_step(g, i, m);
        if (s < 0) continue;
        for (long b0 = 0; b0 < B; b0 += LANES) {
            const __mmask16 lanes = (__mmask16)((1u << min_long(LANES, B - b0)) - 1);
            __m512 xv[4], dv[5];
            for (int f = 0; f < NF; f++) xv[f] = _mm512_maskz_loadu_ps(lanes, x + (s * F + f0 + f) * B + b0);
            for (int c = 0; c < NC; c++) dv[c] = _mm512_maskz_loadu_ps(lanes, d + (i * C + c0 + c) * B + b0);
            // Masked: a lane past the batch keeps its sum (an added 0 · 0 could turn -0 into +0).
            for (int f = 0; f < NF; f++)
                for (int c = 0; c < NC; c++) acc[f][c] = _mm512_mask3_fmadd_ps(xv[f], dv[c], acc[f][c], lanes);
        }
    }
    // Sixteen sums at a time where there are that many, the rest one by one.
    __m512 flat[20];
    for (int f = 0; f < NF; f++)
        for (int c = 0; c < NC; c++) flat[f * NC + c] = acc[f][c];
    float sums[20];
    int k = 0;
    if (NF * NC >= 16) { lane_trees16(flat, sums); k = 16; }
    for (; k < NF * NC; k++) sums[k] = lane_tree512(flat[k]);
    for (int f = 0; f < NF; f++)
        for (int c = 0; c < NC; c++) dw[m * g->w_tap + (f0 + f) * g->w_in + c0 + c] = sums[f * NC + c];
}

#define WEIGHT_CASE(nf, nc) case (nf) * 8 + (nc): weight_tile512(nf, nc, g, m, f0, c0, x, d, dw); break;
#define WEIGHT_ROW(nf) WEIGHT_CASE(nf, 1) WEIGHT_CASE(nf, 2) WEIGHT_CASE(nf, 3) WEIGHT_CASE(nf, 4) WEIGHT_CASE(nf, 5)

__attribute__((target("avx512f,fma")))
static void weight_gradient_avx512(const st_conv_geometry *g, const float *x, const float *d, float *dw) {
    const long F = g->in_dim, C = g->out_dim;
    const long nf = (F + (F + 3) / 4 - 1) / ((F + 3) / 4), nc = (C + (C + 4) / 5 - 1) / ((C + 4) / 5);
    for (long m = 0; m < g->taps; m++)
        for (long f0 = 0; f0 < F; f0 += nf)
            for (long c0 = 0; c0 < C; c0 += nc) {
                switch (min_long(nf, F - f0) * 8 + min_long(nc, C - c0)) {
                    WEIGHT_ROW(1) WEIGHT_ROW(2) WEIGHT_ROW(3) WEIGHT_ROW(4)
                }
            }
}
#endif

// ---------------------------------------------------------------------------------------------

void st_conv_apply(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out) {
#if defined(__x86_64__)
    switch (st_simd_level()) {
    case 2: apply_avx512(g, in, w, bias, relu, out); return;
    case 1: apply_avx2(g, in, w, bias, relu, out); return;
    }
#endif
    apply_scalar(g, in, w, bias, relu, out);
}

void st_conv_weight_gradient(const st_conv_geometry *g, const float *x, const float *d, float *dw) {
#if defined(__x86_64__)
    switch (st_simd_level()) {
    case 2: weight_gradient_avx512(g, x, d, dw); return;
    case 1: weight_gradient_avx2(g, x, d, dw); return;
    }
#endif
    weight_gradient_scalar(g, x, d, dw);
}

#if defined(__x86_64__)
// Four channels at a time, so that four chains of additions overlap.
__attribute__((target("avx512f")))
static long lane_sums_avx512(long steps, long channels, long batch, const float *d, float *sums) {
    long c = 0;
    for (; c + 4 <= channels; c += 4) {
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (long i = 0; i < steps; i++)
            for (long b0 = 0; b0 < batch; b0 += LANES) {
                const __mmask16 lanes = (__mmask16)((1u << min_long(LANES, batch - b0)) - 1);
                for (int k = 0; k < 4; k++)
                    acc[k] = _mm512_mask_add_ps(acc[k], lanes, acc[k], _mm512_maskz_loadu_ps(lanes, d + (i * channels + c + k) * batch + b0));
            }
        for (int k = 0; k < 4; k++) sums[c + k] = lane_tree512(acc[k]);
    }
    return c;
}
#endif

void st_conv_lane_sums(long steps, long channels, long batch, const float *d, float *sums) {
    long done = 0;
#if defined(__x86_64__)
    if (st_simd_level() == 2) done = lane_sums_avx512(steps, channels, batch, d, sums);
#endif
    for (long c = done; c < channels; c++) {
        float acc[LANES] = {0};
        for (long i = 0; i < steps; i++)
            for (long b0 = 0; b0 < batch; b0 += LANES) {
                const float *ds = d + (i * channels + c) * batch + b0;
                const long nb = min_long(LANES, batch - b0);
                for (long b = 0; b < nb; b++) acc[b] = acc[b] + ds[b];
            }
        sums[c] = lane_tree(acc);
    }
}
