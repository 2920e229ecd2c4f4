#ifndef SEQTRAIN_CKERNELS_H
#define SEQTRAIN_CKERNELS_H

// seqtrain's SIMD kernels. Every function gives bit-identical results whichever instruction set
// runs it (AVX-512, AVX2 + FMA, or plain C): each output element is computed with the same sequence
// of fused multiply-adds (C99 fmaf in plain C, which is correctly rounded on every CPU) and no
// horizontal reductions, so vector width never changes a result. The level is chosen once from the CPU.

/// C[i, j] (+)= sum over p in order of A(i, p) * B[p, j]; A(i, p) = a[i * a_row + p * a_col],
/// B row-major [k, n], C row-major [m, n]. accumulate = 0 overwrites C.
void st_gemm(long m, long n, long k, const float *a, long a_row, long a_col, const float *b, float *c, int accumulate);

/// dst[cols, rows] = transpose of src[rows, cols].
void st_transpose(long rows, long cols, const float *src, float *dst);

/// x[i] = tanh(x[i]), accurate to a few float32 ulps.
void st_tanh(float *x, long count);

/// The instruction set in use: 0 plain C, 1 AVX2 + FMA, 2 AVX-512.
int st_simd_level(void);

/// Forces an instruction set no higher than the CPU supports (for tests); returns the level set.
int st_set_simd_level(int level);

#endif
