// A measured FMA peak: independent chains of multiply-adds at the instruction set in use, enough of
// them (16 registers) to cover the FMA latency on both ports, so the rate is the core's throughput.
#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

#if defined(__x86_64__)
__attribute__((target("avx512f,fma")))
static float probe_avx512(long iterations) {
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i * 1e-3f);
    const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-4f);
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    float sum = 0;
    for (int i = 0; i < 16; i++) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}

__attribute__((target("avx2,fma")))
static float probe_avx2(long iterations) {
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i * 1e-3f);
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-4f);
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    float lanes[8], sum = 0;
    for (int i = 0; i < 12; i++) {
        _mm256_storeu_ps(lanes, acc[i]);
        for (int l = 0; l < 8; l++) sum += lanes[l];
    }
    return sum;
}
#endif

static float probe_plain(long iterations) {
    float acc[8];
    for (int i = 0; i < 8; i++) acc[i] = (float)i * 1e-3f;
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 8; i++) acc[i] = fmaf(acc[i], 0.999f, 1e-4f);
    float sum = 0;
    for (int i = 0; i < 8; i++) sum += acc[i];
    return sum;
}

volatile float st_probe_sink;

long st_fma_probe(long iterations) {
    switch (st_simd_level()) {
#if defined(__x86_64__)
    case 2: st_probe_sink = probe_avx512(iterations); return iterations * 16 * 16 * 2;
    case 1: st_probe_sink = probe_avx2(iterations); return iterations * 12 * 8 * 2;
#endif
    default: st_probe_sink = probe_plain(iterations); return iterations * 8 * 2;
    }
}
