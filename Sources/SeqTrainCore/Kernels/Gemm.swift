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

    /// `sums[N] (+)= Σ_rows a[rows, N]` (a bias gradient), rows added in order.
    @inline(__always)
    public static func columnSums(_ rows: Int, _ n: Int, _ a: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                                  accumulate: Bool) {
        if !accumulate { sums.update(repeating: 0, count: n) }
        for r in 0..<rows { SIMDLoops.add(sums, a + r * n, count: n) }
    }

    /// `a[rows, N] += bias[N]` on every row.
    @inline(__always)
    public static func addRows(_ rows: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows { SIMDLoops.add(a + r * n, bias, count: n) }
    }
}

/// Element-wise loops written with 16-lane vectors. Each element gets the same single operation as
/// in a scalar loop, so the results are the same bits; the compiler cannot vectorise the scalar
/// loops itself because the pointers may alias.
public enum SIMDLoops {
    /// `x[i] += y[i]`.
    @inline(__always)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let sum = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) + UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: sum, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { x[i] += y[i]; i += 1 }
    }

    /// `g[i] = y[i] > 0 ? g[i] : 0` (ReLU's backward pass, from its output y), without branches.
    @inline(__always)
    public static func keepWherePositive(_ g: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let grad = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD16<Float>.self)
            let positive = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self) .> 0
            UnsafeMutableRawPointer(g + i).storeBytes(of: grad.replacing(with: 0, where: .!positive), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { g[i] = y[i] > 0 ? g[i] : 0; i += 1 }
    }
}

/// Which SIMD instruction set the kernels use.
public enum SIMDLevel {
    /// `avx512`, `avx2` or `scalar`.
    public static var name: String { ["scalar", "avx2", "avx512"][Int(st_simd_level())] }

    /// Restricts the kernels to at most `level` (0 scalar, 1 AVX2, 2 AVX-512); returns the level set.
    @discardableResult
    public static func limit(to level: Int) -> Int { Int(st_set_simd_level(Int32(level))) }

    /// The best level this CPU supports.
    public static var best: Int {
        let current = Int(st_simd_level())
        let best = Int(st_set_simd_level(2))
        st_set_simd_level(Int32(current))
        return best
    }
}
