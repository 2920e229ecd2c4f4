#ifndef SEQTRAIN_CKERNELS_H
#define SEQTRAIN_CKERNELS_H

// seqtrain's SIMD kernels. Every function gives bit-identical results whichever instruction set
// runs it (AVX-512, AVX2 + FMA, or plain C): each output element is computed with the same sequence
// of fused multiply-adds (C99 fmaf in plain C, which is correctly rounded on every CPU) and no
// horizontal reductions, so vector width never changes a result. The level is chosen once from the CPU.

/// C[i, j] (+)= sum over p in order of A(i, p) * B[p, j]; A(i, p) = a[i * a_row + p * a_col],
/// B row-major [k, n], C row-major [m, n]. accumulate = 0 overwrites C.
void st_gemm(long m, long n, long k, const float *a, long a_row, long a_col, const float *b, float *c, int accumulate);

/// Floats needed to hold a [k, n] matrix in the panel layout of st_pack.
long st_packed_count(long k, long n);

/// Copies row-major b[k, n] into `packed` (st_packed_count(k, n) floats) in the layout the kernels read
/// fastest: panels of 64 columns, each panel's k rows contiguous, zeros past column n.
void st_pack(long k, long n, const float *b, float *packed);

/// st_gemm with B given as st_pack left it; the same bits as st_gemm on the unpacked B. For a B that
/// many products reuse (a recurrent kernel at every time step).
void st_gemm_packed(long m, long n, long k, const float *a, long a_row, long a_col, const float *packed, float *c, int accumulate);

/// Runs `iterations` rounds of independent fused multiply-adds at the instruction set in use and returns
/// the floating-point operations done (2 per lane per multiply-add): timed, the core's FMA peak.
long st_fma_probe(long iterations);

/// dst[cols, rows] = transpose of src[rows, cols].
void st_transpose(long rows, long cols, const float *src, float *dst);

/// x[i] = tanh(x[i]), accurate to a few float32 ulps.
void st_tanh(float *x, long count);

/// x[i] = 1 / (1 + exp(-x[i])), within 2.5 float32 ulps of float64: worst 2.13 on [-30, 30] by 1/4096 plus
/// edge values, 2.40 over every float. Subnormal down to exactly 0 below about -104, exactly 1 above about 17.3;
/// NaN stays NaN.
void st_sigmoid(float *x, long count);

// Element-wise kernels (elementwise.c): each element gets the same single IEEE operations, in the order
// written, on every instruction set (nothing fused), so the results are bit-identical.

/// x[i] += y[i].
void st_add(float *x, const float *y, long n);

/// a[r, j] += bias[j] on every row of row-major a[rows, n].
void st_add_rows(long rows, long n, float *a, const float *bias);

/// sums[j] (+)= Σ_r a[r, j] (a bias gradient), one running sum per column with rows added in order from
/// 0 (or from sums[j] with accumulate); accumulate = 0 starts from +0.
void st_column_sums(long rows, long n, const float *a, float *sums, int accumulate);

/// x[i] = 0 >= x[i] ? 0 : x[i], Swift's max(x, 0): -0 becomes +0, NaN stays NaN.
void st_relu(float *x, long n);

/// g[i] = y[i] > 0 ? g[i] : 0 (ReLU's backward pass from its output y; NaN y gives 0).
void st_keep_where_positive(float *g, const float *y, long n);

/// g[i] = g[i] * (1 - y[i] * y[i]) (tanh's backward pass from its output y).
void st_tanh_backward(float *g, const float *y, long n);

/// g[i] = g[i] * (y[i] * (1 - y[i])) (sigmoid's backward pass from its output y).
void st_sigmoid_backward(float *g, const float *y, long n);

/// Adam's update: m = m + (g - m) * keep1; v = v + (g*g - v) * keep2; w = w - (alpha * m) / (sqrt(v) + eps).
void st_adam(float *w, const float *g, float *m, float *v, long n, float alpha, float keep1, float keep2, float eps);

/// RMSprop's update: v = rho * v + ((1 - rho) * g) * g; w = w - (lr * g) / sqrt(v + eps).
void st_rmsprop(float *w, const float *g, float *v, long n, float lr, float rho, float eps);

/// Decoupled weight decay: w = w - (w * wd) * lr.
void st_weight_decay(float *w, long n, float wd, float lr);

/// The instruction set in use: 0 plain C, 1 AVX2 + FMA, 2 AVX-512.
int st_simd_level(void);

/// The best instruction set this CPU supports (0, 1 or 2), without changing the one in use.
int st_best_simd_level(void);

/// Forces an instruction set no higher than the CPU supports (for tests); returns the level set.
int st_set_simd_level(int level);

/// Makes SIGINT and SIGTERM request a stop instead of ending the process (a second one ends it).
void st_stop_install(void);

/// The signal number of a pending stop request, or 0.
int st_stop_requested(void);

/// Restores the default actions of SIGINT and SIGTERM.
void st_stop_uninstall(void);

/// Makes the end of the parent process (Linux's parent-death signal) end this one: with `graceful`, a
/// lasting stop request (read as SIGTERM by st_stop_requested), else SIGTERM itself. Returns -1 when
/// `parent` is no longer the parent (it ended already) or the request failed.
int st_stop_with_parent(int parent, int graceful);

/// rename(2) that fails with EEXIST instead of replacing `to` (renameat2 RENAME_NOREPLACE on Linux).
int st_rename_noreplace(const char *from, const char *to);

/// The worker pool's hand-off (see sync.c).
typedef struct st_sync st_sync;
st_sync *st_sync_create(void);
void st_sync_destroy(st_sync *sync);
/// Starts a round for `workers` workers.
void st_sync_start(st_sync *sync, int workers);
/// Waits until the generation differs from `seen` (or a stop); returns the new generation.
long st_sync_wait_start(st_sync *sync, long seen);
/// A worker has finished its share of the round.
void st_sync_finish(st_sync *sync);
/// Waits until every worker of the round has finished.
void st_sync_wait_finish(st_sync *sync);
/// Tells the workers to exit.
void st_sync_stop(st_sync *sync);
/// Whether the workers were told to exit.
int st_sync_stopping(st_sync *sync);

/// The shape of one Conv1D product on step-feature-major batches ([T][F][B]: per step and feature, the
/// batch's samples side by side); see conv1d.c.
typedef struct {
    long steps_in, steps_out;  /// Steps of the input read and of the output written.
    long batch;                /// Samples per [step][feature] row (B).
    long in_dim, out_dim;      /// Features summed over, and features written.
    long taps;                 /// Kernel taps.
    const long *shift;         /// Output step i reads input step i + shift[m] through tap m (outside: padding).
    const long *order;         /// The taps in the order st_conv_apply sums them.
    long w_tap, w_in;          /// The weight of tap m, input p, output o is w[m * w_tap + p * w_in + o].
} st_conv_geometry;

/// out[i][o][b] = act(bias[o] + sum over taps (in order) and p from 0 of in[i + shift[m]][p][b] * w(m, p, o)),
/// one fused multiply-add at a time from 0; act is ReLU (0 >= v ? 0 : v) when relu != 0; bias may be NULL.
void st_conv_apply(const st_conv_geometry *g, const float *in, const float *w, const float *bias, int relu, float *out);

/// dw(m, f, c) = sum over output steps i, then samples b, from 0, of x[i + shift[m]][f][b] * d[i][b][c]: x is
/// feature-major [steps_in][in_dim][B], the output gradient d time-major [steps_out][B][out_dim]. Unless
/// dbias is NULL, also dbias[c] = the sum of d[i][b][c] over every step, then sample (a bias gradient).
void st_conv_weight_gradient(const st_conv_geometry *g, const float *x, const float *d, float *dw, float *dbias);

/// Transposes each of `steps` consecutive [rows, cols] matrices (time-major [T][B][F] to [T][F][B] and back).
void st_transpose_steps(long steps, long rows, long cols, const float *src, float *dst);

/// The git commit the binary was built from ("unknown" unless the build defined SEQTRAIN_COMMIT).
const char *st_build_commit(void);

#endif
