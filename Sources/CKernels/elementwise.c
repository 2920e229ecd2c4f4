// Element-wise kernels (sums, ReLU, activation derivatives, optimizer updates) in plain C, AVX2 and
// AVX-512. Every element gets the same single IEEE operations in the same order on every path (square
// root and division are correctly rounded in both scalar and vector form), so the three agree bit for bit.
// The vector paths do whole vectors and the plain-C element for the tail: a masked tail store would
// stall the next row's or call's load of the following elements (it overlaps the store's masked-off
// lanes, which blocks store-to-load forwarding), as in bias rows of 10 or 20 and an LSTM's gate runs.
#include "CKernels.h"
#include "lanes.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

// ---------------------------------------------------------------------------------------------
// One element of each kernel: the plain-C path, the AVX2 tail, and the reference the vectors follow.

static inline float add1(float x, float y) { return x + y; }
// Swift's max(x, 0): 0 >= x ? 0 : x, so -0 becomes +0 and NaN stays NaN (maxps would differ on both).
static inline float relu1(float x) { return 0.0f >= x ? 0.0f : x; }
static inline float keep_positive1(float g, float y) { return y > 0.0f ? g : 0.0f; }
static inline float tanh_backward1(float g, float y) { return g * (1.0f - y * y); }
static inline float sigmoid_backward1(float g, float y) { return g * (y * (1.0f - y)); }
static inline float decay1(float w, float wd, float lr) { return w - w * wd * lr; }

typedef struct { float alpha, keep1, keep2, eps; } adam_k;
static inline void adam1(float *w, const float *g, float *m, float *v, adam_k k) {
    const float mi = *m + (*g - *m) * k.keep1;
    const float vi = *v + (*g * *g - *v) * k.keep2;
    *m = mi;
    *v = vi;
    *w = *w - (k.alpha * mi) / (sqrtf(vi) + k.eps);  // sqrtf is correctly rounded (IEEE), like sqrtps
}

typedef struct { float lr, rho, keep, eps; } rmsprop_k;
static inline void rmsprop1(float *w, const float *g, float *v, rmsprop_k k) {
    const float vi = k.rho * *v + k.keep * *g * *g;
    *v = vi;
    *w = *w - k.lr * *g / sqrtf(vi + k.eps);
}

// The plain-C loops, one per shape of kernel: x = f(x), x = f(x, y).
#define PLAIN_UNARY(name, f) \
    static void name##_plain(float *x, long n) { for (long i = 0; i < n; i++) x[i] = f(x[i]); }
#define PLAIN_BINARY(name, f) \
    static void name##_plain(float *x, const float *y, long n) { for (long i = 0; i < n; i++) x[i] = f(x[i], y[i]); }

PLAIN_BINARY(add, add1)
PLAIN_UNARY(relu, relu1)
PLAIN_BINARY(keep_positive, keep_positive1)
PLAIN_BINARY(tanh_backward, tanh_backward1)
PLAIN_BINARY(sigmoid_backward, sigmoid_backward1)

#if defined(__x86_64__)
// ---------------------------------------------------------------------------------------------
// AVX2: whole 8-lane vectors, then the plain-C element.

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256 add8(__m256 x, __m256 y) { return _mm256_add_ps(x, y); }
AVX2 static inline __m256 relu8(__m256 x) {
    return _mm256_andnot_ps(_mm256_cmp_ps(_mm256_setzero_ps(), x, _CMP_GE_OQ), x);  // +0 where 0 >= x
}
AVX2 static inline __m256 keep_positive8(__m256 g, __m256 y) {
    return _mm256_and_ps(_mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ), g);
}
AVX2 static inline __m256 tanh_backward8(__m256 g, __m256 y) {
    return _mm256_mul_ps(g, _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(y, y)));
}
AVX2 static inline __m256 sigmoid_backward8(__m256 g, __m256 y) {
    return _mm256_mul_ps(g, _mm256_mul_ps(y, _mm256_sub_ps(_mm256_set1_ps(1.0f), y)));
}

#define AVX2_UNARY(name) \
    AVX2 static void name##_avx2(float *x, long n) { \
        long i = 0; \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, name##8(_mm256_loadu_ps(x + i))); \
        for (; i < n; i++) x[i] = name##1(x[i]); \
    }
#define AVX2_BINARY(name) \
    AVX2 static void name##_avx2(float *x, const float *y, long n) { \
        long i = 0; \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, name##8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i))); \
        for (; i < n; i++) x[i] = name##1(x[i], y[i]); \
    }

AVX2_BINARY(add)
AVX2_UNARY(relu)
AVX2_BINARY(keep_positive)
AVX2_BINARY(tanh_backward)
AVX2_BINARY(sigmoid_backward)

AVX2 static void add_rows_avx2(long rows, long n, float *a, const float *bias) {
    for (long r = 0; r < rows; r++) add_avx2(a + r * n, bias, n);
}

// 32 columns per pass over the rows, each column's sum in a register lane (4 independent chains).
AVX2 static void column_sums_avx2(long rows, long n, const float *a, float *sums, int acc) {
    for (long j = 0; j < n; j += 32) {
        __m256i k[4];
        __m256 s[4];
        for (int q = 0; q < 4; q++) {
            k[q] = lanes8(n - j - 8 * q);
            s[q] = acc ? _mm256_maskload_ps(sums + j + 8 * q, k[q]) : _mm256_setzero_ps();
        }
        for (long r = 0; r < rows; r++) {
            const float *row = a + r * n + j;
            for (int q = 0; q < 4; q++) s[q] = _mm256_add_ps(s[q], _mm256_maskload_ps(row + 8 * q, k[q]));
        }
        for (int q = 0; q < 4; q++) _mm256_maskstore_ps(sums + j + 8 * q, k[q], s[q]);
    }
}

AVX2 static void adam_avx2(float *w, const float *g, float *m, float *v, long n, adam_k k) {
    const __m256 alpha = _mm256_set1_ps(k.alpha), k1 = _mm256_set1_ps(k.keep1), k2 = _mm256_set1_ps(k.keep2),
                 eps = _mm256_set1_ps(k.eps);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 gi = _mm256_loadu_ps(g + i), mo = _mm256_loadu_ps(m + i), vo = _mm256_loadu_ps(v + i);
        const __m256 mi = _mm256_add_ps(mo, _mm256_mul_ps(_mm256_sub_ps(gi, mo), k1));
        const __m256 vi = _mm256_add_ps(vo, _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(gi, gi), vo), k2));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(alpha, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), eps));
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    for (; i < n; i++) adam1(w + i, g + i, m + i, v + i, k);
}

AVX2 static void rmsprop_avx2(float *w, const float *g, float *v, long n, rmsprop_k k) {
    const __m256 lr = _mm256_set1_ps(k.lr), rho = _mm256_set1_ps(k.rho), keep = _mm256_set1_ps(k.keep),
                 eps = _mm256_set1_ps(k.eps);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 gi = _mm256_loadu_ps(g + i);
        const __m256 vi = _mm256_add_ps(_mm256_mul_ps(rho, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(keep, gi), gi));
        _mm256_storeu_ps(v + i, vi);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(lr, gi), _mm256_sqrt_ps(_mm256_add_ps(vi, eps)));
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), step));
    }
    for (; i < n; i++) rmsprop1(w + i, g + i, v + i, k);
}

AVX2 static void decay_avx2(float *w, long n, float wd, float lr) {
    const __m256 d = _mm256_set1_ps(wd), r = _mm256_set1_ps(lr);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 wi = _mm256_loadu_ps(w + i);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(wi, _mm256_mul_ps(_mm256_mul_ps(wi, d), r)));
    }
    for (; i < n; i++) w[i] = decay1(w[i], wd, lr);
}

// ---------------------------------------------------------------------------------------------
// AVX-512: whole 16-lane vectors, then the plain-C element.

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512 add16(__m512 x, __m512 y) { return _mm512_add_ps(x, y); }
AVX512 static inline __m512 relu16(__m512 x) {
    const __m512 zero = _mm512_setzero_ps();
    return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(zero, x, _CMP_GE_OQ), zero);
}
AVX512 static inline __m512 keep_positive16(__m512 g, __m512 y) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ), g);
}
AVX512 static inline __m512 tanh_backward16(__m512 g, __m512 y) {
    return _mm512_mul_ps(g, _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(y, y)));
}
AVX512 static inline __m512 sigmoid_backward16(__m512 g, __m512 y) {
    return _mm512_mul_ps(g, _mm512_mul_ps(y, _mm512_sub_ps(_mm512_set1_ps(1.0f), y)));
}

#define AVX512_UNARY(name) \
    AVX512 static void name##_avx512(float *x, long n) { \
        long i = 0; \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, name##16(_mm512_loadu_ps(x + i))); \
        for (; i < n; i++) x[i] = name##1(x[i]); \
    }
#define AVX512_BINARY(name) \
    AVX512 static void name##_avx512(float *x, const float *y, long n) { \
        long i = 0; \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, name##16(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i))); \
        for (; i < n; i++) x[i] = name##1(x[i], y[i]); \
    }

AVX512_BINARY(add)
AVX512_UNARY(relu)
AVX512_BINARY(keep_positive)
AVX512_BINARY(tanh_backward)
AVX512_BINARY(sigmoid_backward)

AVX512 static void add_rows_avx512(long rows, long n, float *a, const float *bias) {
    for (long r = 0; r < rows; r++) add_avx512(a + r * n, bias, n);
}

// 64 columns per pass over the rows, each column's sum in a register lane (4 independent chains); only
// loads in the loop, so masking the last columns costs nothing.
AVX512 static void column_sums_avx512(long rows, long n, const float *a, float *sums, int acc) {
    for (long j = 0; j < n; j += 64) {
        __mmask16 k[4];
        __m512 s[4];
        for (int q = 0; q < 4; q++) {
            k[q] = lanes16(n - j - 16 * q);
            s[q] = acc ? _mm512_maskz_loadu_ps(k[q], sums + j + 16 * q) : _mm512_setzero_ps();
        }
        for (long r = 0; r < rows; r++) {
            const float *row = a + r * n + j;
            for (int q = 0; q < 4; q++) s[q] = _mm512_add_ps(s[q], _mm512_maskz_loadu_ps(k[q], row + 16 * q));
        }
        for (int q = 0; q < 4; q++) _mm512_mask_storeu_ps(sums + j + 16 * q, k[q], s[q]);
    }
}

AVX512 static void adam_avx512(float *w, const float *g, float *m, float *v, long n, adam_k k) {
    const __m512 alpha = _mm512_set1_ps(k.alpha), k1 = _mm512_set1_ps(k.keep1), k2 = _mm512_set1_ps(k.keep2),
                 eps = _mm512_set1_ps(k.eps);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 gi = _mm512_loadu_ps(g + i), mo = _mm512_loadu_ps(m + i), vo = _mm512_loadu_ps(v + i);
        const __m512 mi = _mm512_add_ps(mo, _mm512_mul_ps(_mm512_sub_ps(gi, mo), k1));
        const __m512 vi = _mm512_add_ps(vo, _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(gi, gi), vo), k2));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        const __m512 step = _mm512_div_ps(_mm512_mul_ps(alpha, mi), _mm512_add_ps(_mm512_sqrt_ps(vi), eps));
        _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
    }
    for (; i < n; i++) adam1(w + i, g + i, m + i, v + i, k);
}

AVX512 static void rmsprop_avx512(float *w, const float *g, float *v, long n, rmsprop_k k) {
    const __m512 lr = _mm512_set1_ps(k.lr), rho = _mm512_set1_ps(k.rho), keep = _mm512_set1_ps(k.keep),
                 eps = _mm512_set1_ps(k.eps);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 gi = _mm512_loadu_ps(g + i);
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(rho, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(keep, gi), gi));
        _mm512_storeu_ps(v + i, vi);
        const __m512 step = _mm512_div_ps(_mm512_mul_ps(lr, gi), _mm512_sqrt_ps(_mm512_add_ps(vi, eps)));
        _mm512_storeu_ps(w + i, _mm512_sub_ps(_mm512_loadu_ps(w + i), step));
    }
    for (; i < n; i++) rmsprop1(w + i, g + i, v + i, k);
}

AVX512 static void decay_avx512(float *w, long n, float wd, float lr) {
    const __m512 d = _mm512_set1_ps(wd), r = _mm512_set1_ps(lr);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 wi = _mm512_loadu_ps(w + i);
        _mm512_storeu_ps(w + i, _mm512_sub_ps(wi, _mm512_mul_ps(_mm512_mul_ps(wi, d), r)));
    }
    for (; i < n; i++) w[i] = decay1(w[i], wd, lr);
}

#define DISPATCH(name, ...) \
    switch (st_simd_level()) { \
    case 2: name##_avx512(__VA_ARGS__); return; \
    case 1: name##_avx2(__VA_ARGS__); return; \
    default: name##_plain(__VA_ARGS__); return; \
    }
#else
#define DISPATCH(name, ...) name##_plain(__VA_ARGS__);
#endif

// ---------------------------------------------------------------------------------------------
// The plain-C loops of the kernels with more than one array, and the entry points.

static void add_rows_plain(long rows, long n, float *a, const float *bias) {
    for (long r = 0; r < rows; r++) add_plain(a + r * n, bias, n);
}

static void column_sums_plain(long rows, long n, const float *a, float *sums, int acc) {
    for (long j = 0; j < n; j++) {
        float s = acc ? sums[j] : 0.0f;
        for (long r = 0; r < rows; r++) s += a[r * n + j];
        sums[j] = s;
    }
}

static void adam_plain(float *w, const float *g, float *m, float *v, long n, adam_k k) {
    for (long i = 0; i < n; i++) adam1(w + i, g + i, m + i, v + i, k);
}

static void rmsprop_plain(float *w, const float *g, float *v, long n, rmsprop_k k) {
    for (long i = 0; i < n; i++) rmsprop1(w + i, g + i, v + i, k);
}

static void decay_plain(float *w, long n, float wd, float lr) {
    for (long i = 0; i < n; i++) w[i] = decay1(w[i], wd, lr);
}

void st_add(float *x, const float *y, long n) { DISPATCH(add, x, y, n) }

void st_add_rows(long rows, long n, float *a, const float *bias) { DISPATCH(add_rows, rows, n, a, bias) }

void st_column_sums(long rows, long n, const float *a, float *sums, int accumulate) {
    DISPATCH(column_sums, rows, n, a, sums, accumulate)
}

void st_relu(float *x, long n) { DISPATCH(relu, x, n) }

void st_keep_where_positive(float *g, const float *y, long n) { DISPATCH(keep_positive, g, y, n) }

void st_tanh_backward(float *g, const float *y, long n) { DISPATCH(tanh_backward, g, y, n) }

void st_sigmoid_backward(float *g, const float *y, long n) { DISPATCH(sigmoid_backward, g, y, n) }

void st_adam(float *w, const float *g, float *m, float *v, long n, float alpha, float keep1, float keep2, float eps) {
    const adam_k k = { alpha, keep1, keep2, eps };
    DISPATCH(adam, w, g, m, v, n, k)
}

void st_rmsprop(float *w, const float *g, float *v, long n, float lr, float rho, float eps) {
    const rmsprop_k k = { lr, rho, 1.0f - rho, eps };
    DISPATCH(rmsprop, w, g, v, n, k)
}

void st_weight_decay(float *w, long n, float wd, float lr) { DISPATCH(decay, w, n, wd, lr) }
