/// Small dense matrix products on row-major float32 buffers, written for the shapes of a time step
/// (a batch of 32 rows, 1 to a few hundred columns). Each writes `c` (or adds to it when
/// `accumulate`), and sums in a fixed order so results are reproducible.
public enum Gemm {
    /// `c[M,N] (+)= a[M,K] · b[K,N]`.
    @inline(__always)
    public static func nn(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for i in 0..<m {
            let row = c + i * n
            if !accumulate { row.update(repeating: 0, count: n) }
            let ai = a + i * k
            for p in 0..<k {
                let scale = ai[p]
                let bp = b + p * n
                for j in 0..<n { row[j] += scale * bp[j] }
            }
        }
    }

    /// `c[M,N] (+)= a[K,M]ᵀ · b[K,N]` (a weight gradient: inputs transposed times output gradients).
    @inline(__always)
    public static func tn(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if !accumulate { c.update(repeating: 0, count: m * n) }
        for p in 0..<k {
            let ap = a + p * m
            let bp = b + p * n
            for i in 0..<m {
                let scale = ap[i]
                let row = c + i * n
                for j in 0..<n { row[j] += scale * bp[j] }
            }
        }
    }

    /// `c[M,N] (+)= a[M,K] · b[N,K]ᵀ` (an input gradient: output gradients times weights transposed).
    @inline(__always)
    public static func nt(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          _ c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for i in 0..<m {
            let ai = a + i * k
            let row = c + i * n
            for j in 0..<n {
                let bj = b + j * k
                var sum: Float = 0
                for p in 0..<k { sum += ai[p] * bj[p] }
                row[j] = accumulate ? row[j] + sum : sum
            }
        }
    }

    /// `sums[N] (+)= Σ_rows a[rows, N]` (a bias gradient).
    @inline(__always)
    public static func columnSums(_ rows: Int, _ n: Int, _ a: UnsafePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                                  accumulate: Bool) {
        if !accumulate { sums.update(repeating: 0, count: n) }
        for r in 0..<rows {
            let row = a + r * n
            for j in 0..<n { sums[j] += row[j] }
        }
    }

    /// `a[rows, N] += bias[N]` on every row.
    @inline(__always)
    public static func addRows(_ rows: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = a + r * n
            for j in 0..<n { row[j] += bias[j] }
        }
    }
}
