import CKernels

/// The small matrix products of a time step, on row-major float32 buffers. They run on the SIMD
/// kernels of `CKernels`, which give bit-identical results on every instruction set: each output
/// element is summed in the same order with separately rounded multiplies and adds.
public enum Gemm {
    /// `c[M,N] (+)= a[M,K] · b[K,N]`.
    @inline(__always)
    public static func nn(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        st_gemm(m, n, k, a, k, 1, b, c, accumulate ? 1 : 0)
    }

    /// `c[M,N] (+)= a[K,M]ᵀ · b[K,N]` (a weight gradient: inputs transposed times output gradients).
    @inline(__always)
    public static func tn(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        st_gemm(m, n, k, a, 1, m, b, c, accumulate ? 1 : 0)
    }

    /// `dst[cols, rows] = src[rows, cols]ᵀ`, so that `a · bᵀ` can run as `a · dst`.
    @inline(__always)
    public static func transpose(_ rows: Int, _ cols: Int, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        st_transpose(rows, cols, src, dst)
    }

    /// `sums[N] (+)= Σ_rows a[rows, N]` (a bias gradient), rows added in order, one running sum per column.
    @inline(__always)
    public static func columnSums(_ rows: Int, _ n: Int, _ a: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                                  accumulate: Bool) {
        st_column_sums(rows, n, a, sums, accumulate ? 1 : 0)
    }

    /// `a[rows, N] += bias[N]` on every row.
    @inline(__always)
    public static func addRows(_ rows: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        st_add_rows(rows, n, a, bias)
    }
}

/// Element-wise loops. The longer ones run on the kernels of `CKernels` (Swift's SIMD types compile to
/// baseline SSE here); each element gets the same single operations as in a scalar loop, so the bits do
/// not depend on the instruction set.
public enum SIMDLoops {
    /// 4 values from `p`, unaligned.
    @inline(__always)
    public static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }
    /// Stores 4 values at `p`, unaligned.
    @inline(__always)
    public static func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self) }

    /// `x[i] += y[i]`.
    @inline(__always)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) { st_add(x, y, count) }
}

/// Which SIMD instruction set the kernels use.
public enum SIMDLevel {
    /// `avx512`, `avx2` or `scalar`.
    public static var name: String { ["scalar", "avx2", "avx512"][Int(st_simd_level())] }

    /// Restricts the kernels to at most `level` (0 scalar, 1 AVX2, 2 AVX-512); returns the level set.
    @discardableResult
    public static func limit(to level: Int) -> Int { Int(st_set_simd_level(Int32(level))) }

    /// The best level this CPU supports.
    public static var best: Int { Int(st_best_simd_level()) }
}
