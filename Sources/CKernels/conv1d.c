// Conv1D's products on step-feature-major batches, [T][F][B]: for each step and feature, the batch's
// samples side by side. The samples are the vector lanes, so every multiply-add of the forward pass and
// of the input gradient fills all 16 lanes whatever the number of filters; a time-major [T][B][F]
// product 20 filters wide fills 20 of 32.
//
// Every element is summed in the order of a time-major matrix product, one fused multiply-add at a time
// from 0: st_conv_apply over the taps in the order given, then features from 0; st_conv_weight_gradient
// over steps, then samples, from 0 (reading the output gradient time-major, so that its lanes run along
// the filters). Plain C follows the same order, so every level gives the same bits, and the same bits as
// the time-major products Conv1D used before.
#include "CKernels.h"
#include "lanes.h"
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

// The output steps that read an input step through tap m, not the padding: [first_inside, end_inside).
static inline long first_inside(const st_conv_geometry *g, long m) { return g->shift[m] < 0 ? -g->shift[m] : 0; }
static inline long end_inside(const st_conv_geometry *g, long m) { return min_long(g->steps_out, g->steps_in - g->shift[m]); }

// A tap through which every output step reads an input step (no padding), or -1.
static long covering_tap(const st_conv_geometry *g) {
    for (long m = 0; m < g->taps; m++)
        if (first_inside(g, m) == 0 && end_inside(g, m) == g->steps_out) return m;
    return -1;
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

// Sixteen filters at a time, one running sum each, so that the compiler can vectorise across them.
#define PORTABLE_WEIGHT_GRADIENT(FMA)                                                                \
    const long B = g->batch, F = g->in_dim, C = g->out_dim;                                          \
    for (long m = 0; m < g->taps; m++)                                                               \
        for (long f = 0; f < F; f++)                                                                 \
            for (long c0 = 0; c0 < C; c0 += LANES) {                                                 \
                const long nc = min_long(LANES, C - c0);                                             \
                float acc[LANES] = {0};                                                              \
                for (long i = 0; i < g->steps_out; i++) {                                            \
                    const long s = source_step(g, i, m);                                             \
                    if (s < 0) continue;                                                             \
                    for (long b = 0; b < B; b++) {                                                   \
                        const float xv = x[(s * F + f) * B + b], *ds = d + (i * B + b) * C + c0;     \
                        for (long j = 0; j < nc; j++) acc[j] = FMA(xv, ds[j], acc[j]);               \
                    }                                                                                \
                }                                                                                    \
                for (long j = 0; j < nc; j++) dw[m * g->w_tap + f * g->w_in + c0 + j] = acc[j];      \
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
// FULL tiles (16 samples, every tap inside the sequence) load and store without masks or padding checks:
// a masked load costs an extra micro-op, a tenth of the inner loop of a 20-filter layer.
__attribute__((target("avx512f,fma"), always_inline))
static inline void apply_tile512(const int NO, const int FULL, const st_conv_geometry *g, long i, long b0, __mmask16 lanes,
                                 long o0, const float *in, const float *w, const float *bias, int relu, float *out) {
    const long B = g->batch, P = g->in_dim;
    __m512 acc[24];
#pragma clang loop unroll(full)
    for (int o = 0; o < NO; o++) acc[o] = _mm512_setzero_ps();
    for (long q = 0; q < g->taps; q++) {
        const long m = g->order[q], s = FULL ? i + g->shift[m] : source_step(g, i, m);
        if (!FULL && s < 0) continue;
        const float *wm = w + m * g->w_tap + o0, *xs = in + s * P * B + b0;
        for (long p = 0; p < P; p++) {
            const __m512 xv = FULL ? _mm512_loadu_ps(xs + p * B) : _mm512_maskz_loadu_ps(lanes, xs + p * B);
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
        float *y = out + (i * g->out_dim + o0 + o) * B + b0;
        if (FULL) _mm512_storeu_ps(y, v); else _mm512_mask_storeu_ps(y, lanes, v);
    }
}

#define APPLY_CASE(n)                                                                                \
    case n:                                                                                          \
        if (full) apply_tile512(n, 1, g, i, b0, lanes, o0, in, w, bias, relu, out);                  \
        else apply_tile512(n, 0, g, i, b0, lanes, o0, in, w, bias, relu, out);                       \
        break;

// Outputs in blocks of up to 24 (the registers hold 24 accumulators besides the input), as even as possible.
__attribute__((target("avx512f,fma")))
static void apply_avx512(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out) {
    const long O = g->out_dim, blocks = (O + 23) / 24, width = (O + blocks - 1) / blocks;
    // The output steps that read an input step through every tap: [inside_from, inside_to).
    long inside_from = 0, inside_to = g->steps_out;
    for (long m = 0; m < g->taps; m++) {
        if (first_inside(g, m) > inside_from) inside_from = first_inside(g, m);
        inside_to = min_long(inside_to, end_inside(g, m));
    }
    for (long i = 0; i < g->steps_out; i++)
        for (long b0 = 0; b0 < g->batch; b0 += LANES) {
            const __mmask16 lanes = lanes16(g->batch - b0);
            const int full = lanes == 0xffff && i >= inside_from && i < inside_to;
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

// NR features by NV vectors of filters (NR·NV accumulators), kept in registers over every step and
// sample: per sample, the NV vectors of its output-gradient row times each feature's input, broadcast.
__attribute__((target("avx512f,fma"), always_inline))
static inline void weight_tile512(const int NR, const int NV, const st_conv_geometry *g, long m, long f0, long c0, long width,
                                  const float *x, const float *d, float *dw, float *db) {
    const long B = g->batch, F = g->in_dim, C = g->out_dim;
    __mmask16 mask[4];
    for (int v = 0; v < NV; v++) mask[v] = lanes16(width - 16 * v);
    __m512 acc[12][4], bias[4];
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int v = 0; v < NV; v++) bias[v] = _mm512_setzero_ps();
    for (int r = 0; r < NR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    // The output steps whose input step through tap m is inside the sequence: one run, no padding checks.
    for (long i = first_inside(g, m), end = end_inside(g, m); i < end; i++) {
        const float *xs = x + ((i + g->shift[m]) * F + f0) * B, *ds = d + i * B * C + c0;
        for (long b = 0; b < B; b++) {
            __m512 dv[4];
            for (int v = 0; v < NV; v++) dv[v] = _mm512_maskz_loadu_ps(mask[v], ds + b * C + 16 * v);
            for (int r = 0; r < NR; r++) {
                const __m512 xv = _mm512_set1_ps(xs[r * B + b]);
                for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(xv, dv[v], acc[r][v]);
            }
            // The bias gradient rides along as a row of ones: 1 · d + s rounds as d + s does.
            if (db)
                for (int v = 0; v < NV; v++) bias[v] = _mm512_fmadd_ps(one, dv[v], bias[v]);
        }
    }
    for (int r = 0; r < NR; r++)
        for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(dw + m * g->w_tap + (f0 + r) * g->w_in + c0 + 16 * v, mask[v], acc[r][v]);
    if (db)
        for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(db + 16 * v, mask[v], bias[v]);
}

#define WEIGHT_CASE(nr, nv) case (nr): weight_tile512(nr, nv, g, m, f0, c0, width, x, d, dw, db); break;

// Filters in blocks of 16, 32 or 64 (1, 2 or 4 vectors), features in blocks of 12, 8 or 4 to match. The
// bias gradient is summed by the first feature block of a tap that reads every output step.
__attribute__((target("avx512f,fma")))
static int weight_gradient_avx512(const st_conv_geometry *g, const float *x, const float *d, float *dw, float *dbias) {
    const long F = g->in_dim, C = g->out_dim;
    const int vectors = C <= 16 ? 1 : (C <= 32 ? 2 : 4), rows = vectors == 1 ? 12 : (vectors == 2 ? 8 : 4);
    const long bias_tap = dbias ? covering_tap(g) : -1;
    for (long m = 0; m < g->taps; m++)
        for (long c0 = 0; c0 < C; c0 += 16 * vectors) {
            const long width = min_long(16 * vectors, C - c0);
            for (long f0 = 0; f0 < F; f0 += rows) {
                const long nr = min_long(rows, F - f0);
                float *db = m == bias_tap && f0 == 0 ? dbias + c0 : 0;
                if (vectors == 1) {
                    switch (nr) {
                        WEIGHT_CASE(1, 1) WEIGHT_CASE(2, 1) WEIGHT_CASE(3, 1) WEIGHT_CASE(4, 1) WEIGHT_CASE(5, 1) WEIGHT_CASE(6, 1)
                        WEIGHT_CASE(7, 1) WEIGHT_CASE(8, 1) WEIGHT_CASE(9, 1) WEIGHT_CASE(10, 1) WEIGHT_CASE(11, 1) default: WEIGHT_CASE(12, 1)
                    }
                } else if (vectors == 2) {
                    switch (nr) {
                        WEIGHT_CASE(1, 2) WEIGHT_CASE(2, 2) WEIGHT_CASE(3, 2) WEIGHT_CASE(4, 2) WEIGHT_CASE(5, 2) WEIGHT_CASE(6, 2)
                        WEIGHT_CASE(7, 2) default: WEIGHT_CASE(8, 2)
                    }
                } else {
                    switch (nr) { WEIGHT_CASE(1, 4) WEIGHT_CASE(2, 4) WEIGHT_CASE(3, 4) default: WEIGHT_CASE(4, 4) }
                }
            }
        }
    return bias_tap >= 0;
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

void st_conv_weight_gradient(const st_conv_geometry *g, const float *x, const float *d, float *dw, float *dbias) {
#if defined(__x86_64__)
    switch (st_simd_level()) {
    case 2:
        if (!weight_gradient_avx512(g, x, d, dw, dbias) && dbias) st_column_sums(g->steps_out * g->batch, g->out_dim, d, dbias, 0);
        return;
    case 1: weight_gradient_avx2(g, x, d, dw); break;
    default: weight_gradient_scalar(g, x, d, dw);
    }
#else
    weight_gradient_scalar(g, x, d, dw);
#endif
    if (dbias) st_column_sums(g->steps_out * g->batch, g->out_dim, d, dbias, 0);  // over steps, then samples
}
