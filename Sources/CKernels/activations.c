// tanh and sigmoid in plain C, AVX2 and AVX-512: the vector paths do the plain-C element's operations
// in the same order, so all three give the same bits.
#include "CKernels.h"
#include "lanes.h"
#include <math.h>
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

// tanh: odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) above, exactly ±1 from 9 on.
// exp uses Cephes's range reduction (2^n · e^r, ln 2 split in two) and degree-6 polynomial.
#define TANH_SMALL 0.625f
#define TANH_LARGE 9.0f
static const float TP4 = -5.70498872745e-3f, TP3 = 2.06390887954e-2f, TP2 = -5.37397155531e-2f,
                   TP1 = 1.33314422036e-1f, TP0 = -3.33332819422e-1f;
static const float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
static const float EP5 = 1.9875691500e-4f, EP4 = 1.3981999507e-3f, EP3 = 8.3334519073e-3f,
                   EP2 = 4.1665795894e-2f, EP1 = 1.6666665459e-1f, EP0 = 5.0000001201e-1f;

// e^v = y · 2^n: n = floor(v · log2 e + 1/2), r = v - n · ln 2 (ln 2 in two parts), y = e^r by the polynomial.
// Returns y; the caller applies 2^n (tanh and sigmoid scale it differently).
static inline float exp_reduced(float v, float *n_out) {
    const float n = floorf(fmaf(v, LOG2E, 0.5f));
    float r = fmaf(-n, LN2_HI, v);
    r = fmaf(-n, LN2_LO, r);
    const float z = r * r;
    float y = EP5;
    y = fmaf(y, r, EP4);
    y = fmaf(y, r, EP3);
    y = fmaf(y, r, EP2);
    y = fmaf(y, r, EP1);
    y = fmaf(y, r, EP0);
    *n_out = n;
    return fmaf(y, z, r) + 1.0f;
}

static inline float tanh_scalar(float x) {
    const float ax = fabsf(x);
    if (ax < TANH_SMALL) {
        const float z = x * x;
        float p = TP4;
        p = fmaf(p, z, TP3);
        p = fmaf(p, z, TP2);
        p = fmaf(p, z, TP1);
        p = fmaf(p, z, TP0);
        return fmaf(p * z, x, x);
    }
    if (!(ax < TANH_LARGE)) return ax == ax ? copysignf(1.0f, x) : x;
    float n;
    const float y = exp_reduced(2.0f * ax, &n);
    union { uint32_t u; float f; } scale = { (uint32_t)((int32_t)n + 127) << 23 };
    const float e = y * scale.f;
    const float t = 1.0f - 2.0f / (e + 1.0f);
    return copysignf(t, x);
}

static void tanh_plain(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = tanh_scalar(x[i]);
}

// sigmoid: e = exp(-|x|) as in tanh (|x| capped at 104, past which the result rounds to 0 or 1), then
// 1 / (1 + e) for x >= 0 and e / (1 + e) below, so small outputs keep their relative accuracy. 2^n is
// applied as 2^(n+64) · 2^-64, so outputs below 2^-126 round once into the subnormals.
#define SIGMOID_CAP 104.0f

// One element; the vector paths below do these operations in this order.
static inline float sigmoid_scalar(float x) {
    if (x != x) return x;
    const float ax = fabsf(x);
    float n;
    const float y = exp_reduced(0.0f - (ax < SIGMOID_CAP ? ax : SIGMOID_CAP), &n);
    union { uint32_t u; float f; } scale = { (uint32_t)((int32_t)n + 64 + 127) << 23 };
    const float e = (y * scale.f) * 0x1p-64f;
    return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

static void sigmoid_plain(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = sigmoid_scalar(x[i]);
}

#if defined(__x86_64__)
// ---------------------------------------------------------------------------------------------
// AVX2

// exp_reduced on 8 lanes.
__attribute__((target("avx2,fma")))
static inline __m256 exp_reduced8(__m256 v, __m256 *n_out) {
    const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(v, _mm256_set1_ps(LOG2E), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), v);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    const __m256 rr = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(EP5);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EP4));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EP3));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EP2));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EP1));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EP0));
    y = _mm256_add_ps(_mm256_fmadd_ps(y, rr, r), _mm256_set1_ps(1.0f));
    *n_out = n;
    return y;
}

__attribute__((target("avx2,fma")))
static inline __m256 tanh8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 ax = _mm256_andnot_ps(sign, x);
    // small branch
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(TP4);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP3));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP2));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP1));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP0));
    const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    // large branch, on min(|x|, 9) so exp stays in range
    const __m256 v = _mm256_mul_ps(_mm256_set1_ps(2.0f), _mm256_min_ps(ax, _mm256_set1_ps(TANH_LARGE)));
    __m256 n;
    const __m256 y = exp_reduced8(v, &n);
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    const __m256 e = _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
    __m256 t = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    t = _mm256_blendv_ps(t, _mm256_set1_ps(1.0f), _mm256_cmp_ps(ax, _mm256_set1_ps(TANH_LARGE), _CMP_GE_OQ));
    const __m256 large = _mm256_or_ps(t, _mm256_and_ps(sign, x));
    __m256 out = _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(TANH_SMALL), _CMP_LT_OQ));
    return _mm256_blendv_ps(out, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); // NaN stays NaN
}

__attribute__((target("avx2,fma")))
static void tanh_avx2(float *x, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, tanh8(_mm256_loadu_ps(x + i)));
    for (; i < count; i++) x[i] = tanh_scalar(x[i]);
}

// sigmoid_scalar on 8 lanes.
__attribute__((target("avx2,fma")))
static inline __m256 sigmoid8(__m256 x) {
    const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    const __m256 v = _mm256_sub_ps(_mm256_setzero_ps(), _mm256_min_ps(ax, _mm256_set1_ps(SIGMOID_CAP)));
    __m256 n;
    const __m256 y = exp_reduced8(v, &n);
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(64 + 127)), 23);
    const __m256 e = _mm256_mul_ps(_mm256_mul_ps(y, _mm256_castsi256_ps(bits)), _mm256_set1_ps(0x1p-64f));
    const __m256 num = _mm256_blendv_ps(_mm256_set1_ps(1.0f), e, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    const __m256 s = _mm256_div_ps(num, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    return _mm256_blendv_ps(s, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); // NaN stays NaN
}

// Blocks of 8, then the plain-C element for the tail.
__attribute__((target("avx2,fma")))
static void sigmoid_avx2(float *x, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, sigmoid8(_mm256_loadu_ps(x + i)));
    for (; i < count; i++) x[i] = sigmoid_scalar(x[i]);
}

// ---------------------------------------------------------------------------------------------
// AVX-512

// exp_reduced on 16 lanes.
__attribute__((target("avx512f,fma")))
static inline __m512 exp_reduced16(__m512 v, __m512 *n_out) {
    const __m512 n = _mm512_roundscale_ps(_mm512_fmadd_ps(v, _mm512_set1_ps(LOG2E), _mm512_set1_ps(0.5f)),
                                          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), v);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    const __m512 rr = _mm512_mul_ps(r, r);
    __m512 y = _mm512_set1_ps(EP5);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EP4));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EP3));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EP2));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EP1));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EP0));
    y = _mm512_add_ps(_mm512_fmadd_ps(y, rr, r), _mm512_set1_ps(1.0f));
    *n_out = n;
    return y;
}

__attribute__((target("avx512f,fma")))
static inline __m512 tanh16(__m512 x) {
    const __m512 ax = _mm512_abs_ps(x);
    const __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(TP4);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(TP3));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(TP2));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(TP1));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(TP0));
    const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
    const __m512 v = _mm512_mul_ps(_mm512_set1_ps(2.0f), _mm512_min_ps(ax, _mm512_set1_ps(TANH_LARGE)));
    __m512 n;
    const __m512 y = exp_reduced16(v, &n);
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    const __m512 e = _mm512_mul_ps(y, _mm512_castsi512_ps(bits));
    __m512 t = _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(ax, _mm512_set1_ps(TANH_LARGE), _CMP_GE_OQ), _mm512_set1_ps(1.0f));
    const __m512 signbit = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
    const __m512 large = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), _mm512_castps_si512(signbit)));
    __m512 out = _mm512_mask_mov_ps(large, _mm512_cmp_ps_mask(ax, _mm512_set1_ps(TANH_SMALL), _CMP_LT_OQ), small);
    return _mm512_mask_mov_ps(out, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

__attribute__((target("avx512f,fma")))
static void tanh_avx512(float *x, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, tanh16(_mm512_loadu_ps(x + i)));
    if (i < count) {
        const __mmask16 tail = lanes16(count - i);
        _mm512_mask_storeu_ps(x + i, tail, tanh16(_mm512_maskz_loadu_ps(tail, x + i)));
    }
}

// sigmoid_scalar on 16 lanes.
__attribute__((target("avx512f,fma")))
static inline __m512 sigmoid16(__m512 x) {
    const __m512 ax = _mm512_abs_ps(x);
    const __m512 v = _mm512_sub_ps(_mm512_setzero_ps(), _mm512_min_ps(ax, _mm512_set1_ps(SIGMOID_CAP)));
    __m512 n;
    const __m512 y = exp_reduced16(v, &n);
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(64 + 127)), 23);
    const __m512 e = _mm512_mul_ps(_mm512_mul_ps(y, _mm512_castsi512_ps(bits)), _mm512_set1_ps(0x1p-64f));
    const __m512 num = _mm512_mask_mov_ps(_mm512_set1_ps(1.0f), _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), e);
    const __m512 s = _mm512_div_ps(num, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    return _mm512_mask_mov_ps(s, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x); // NaN stays NaN
}

// Blocks of 16, then one masked block for the tail.
__attribute__((target("avx512f,fma")))
static void sigmoid_avx512(float *x, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, sigmoid16(_mm512_loadu_ps(x + i)));
    if (i < count) {
        const __mmask16 tail = lanes16(count - i);
        _mm512_mask_storeu_ps(x + i, tail, sigmoid16(_mm512_maskz_loadu_ps(tail, x + i)));
    }
}
#endif

// ---------------------------------------------------------------------------------------------
// Entry points.

void st_tanh(float *x, long count) {
    switch (st_simd_level()) {
#if defined(__x86_64__)
    case 2: tanh_avx512(x, count); return;
    case 1: tanh_avx2(x, count); return;
#endif
    default: tanh_plain(x, count); return;
    }
}

// Dispatches like st_tanh.
void st_sigmoid(float *x, long count) {
    switch (st_simd_level()) {
#if defined(__x86_64__)
    case 2: sigmoid_avx512(x, count); return;
    case 1: sigmoid_avx2(x, count); return;
#endif
    default: sigmoid_plain(x, count); return;
    }
}
