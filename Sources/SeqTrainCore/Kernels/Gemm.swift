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

    /// `sums[N] (+)= Σ_rows a[rows, N]` (a bias gradient), rows added in order. Each sum is kept in a
    /// register across the rows (16 columns at a time), the same additions in the same order as a
    /// scalar loop over memory.
    public static func columnSums(_ rows: Int, _ n: Int, _ a: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                                  accumulate: Bool) {
        if !accumulate { sums.update(repeating: 0, count: n) }
        var j = 0
        while j + 16 <= n {
            var total = SIMDLoops.load16(sums + j)
            for r in 0..<rows { total += SIMDLoops.load16(a + r * n + j) }
            SIMDLoops.store16(total, sums + j)
            j += 16
        }
        while j + 4 <= n {
            var total = SIMDLoops.load4(sums + j)
            for r in 0..<rows { total += SIMDLoops.load4(a + r * n + j) }
            SIMDLoops.store4(total, sums + j)
            j += 4
        }
        while j < n {
            var total = sums[j]
            for r in 0..<rows { total += a[r * n + j] }
            sums[j] = total
            j += 1
        }
    }

    /// `a[rows, N] += bias[N]` on every row.
    public static func addRows(_ rows: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        guard n % 4 == 0, n <= 64 else {
            for r in 0..<rows { SIMDLoops.add(a + r * n, bias, count: n) }
            return
        }
        // The common widths (a multiple of 4 up to 64): 16 and 4 lanes at a time, the bias read once per row block.
        for r in 0..<rows {
            let row = a + r * n
            var j = 0
            while j + 16 <= n { SIMDLoops.store16(SIMDLoops.load16(row + j) + SIMDLoops.load16(bias + j), row + j); j += 16 }
            while j < n { SIMDLoops.store4(SIMDLoops.load4(row + j) + SIMDLoops.load4(bias + j), row + j); j += 4 }
        }
    }
}

/// Element-wise loops written with 16-lane vectors. Each element gets the same single operation as
/// in a scalar loop, so the results are the same bits; the compiler cannot vectorise the scalar
/// loops itself because the pointers may alias.
public enum SIMDLoops {
    /// 16 values from `p`, unaligned.
    @inline(__always)
    public static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
    /// 4 values from `p`, unaligned.
    @inline(__always)
    public static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }
    /// Stores 16 values at `p`, unaligned.
    @inline(__always)
    public static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
    /// Stores 4 values at `p`, unaligned.
    @inline(__always)
    public static func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self) }

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

    /// `g[i] = f(g[i], y[i])`, 16 lanes at a time by `vector` and the rest by `scalar`, which must
    /// do the same operations (then every element gets the same bits either way).
    @inline(__always)
    public static func update(_ g: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int,
                              vector: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>, scalar: (Float, Float) -> Float) {
        var i = 0
        while i + 16 <= count {
            store16(vector(load16(g + i), load16(y + i)), g + i)
            i += 16
        }
        while i < count {
            g[i] = scalar(g[i], y[i])
            i += 1
        }
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
    public static var best: Int { Int(st_best_simd_level()) }
}
