import SeqTrainCore

/// Keras's initialisers, drawn from seqtrain's own generator (the distribution matches, not the digits).
public enum Initializers {
    /// glorot_uniform: U(±sqrt(6 / (fan_in + fan_out))) for a `[fanIn, fanOut]` kernel.
    public static func glorotUniform(_ w: UnsafeMutablePointer<Float>, fanIn: Int, fanOut: Int, random: inout SplitMixRandom) {
        let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
        for i in 0..<(fanIn * fanOut) { w[i] = Float(limit * (2 * random.nextDouble() - 1)) }
    }

    /// orthogonal (gain 1) for a row-major `[rows, cols]` matrix, as Keras does it: Q of the QR
    /// decomposition of a normal matrix, signs fixed so that R has a positive diagonal. With
    /// rows ≥ cols the columns are orthonormal; with rows < cols (an LSTM's `[U, 4U]`) Keras draws
    /// the transposed `[cols, rows]` matrix and transposes Q, so the rows are orthonormal.
    ///
    /// Gram-Schmidt in float64, applied twice per column (enough for float64 orthogonality): column j
    /// takes the steps `a_j -= (q_i · a_j) q_i` for i = 0..<j (first pass), the same again (second
    /// pass), and is normalised. Every dot product sums its n products in row order, so the result
    /// is the plain loop's to the bit; only the schedule differs, for speed (1024 × 1024: 32 s before, 1.2 s
    /// after):
    /// - the columns are stored contiguously (column-major), so each step streams through memory
    ///   instead of striding by a row;
    /// - the first pass is blocked: once a block of `orthogonalBlock` columns is final, every later
    ///   column takes the block's steps while it sits in cache, four columns side by side. Each
    ///   column still takes its steps in the order 0, 1, …, and the four dot products are separate
    ///   sums, independent of each other, so nothing is reassociated.
    public static func orthogonal(_ w: UnsafeMutablePointer<Float>, rows: Int, cols: Int, random: inout SplitMixRandom) {
        let transposed = rows < cols
        let (n, k) = transposed ? (cols, rows) : (rows, cols)  // orthonormalise the k columns of a [n, k] matrix
        // Drawn row by row, as the row-major [n, k] matrix always was; stored by column.
        var columns = [Double](repeating: 0, count: n * k)
        for r in 0..<n {
            for c in 0..<k { columns[c * n + r] = random.nextNormal() }
        }
        columns.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            for blockStart in stride(from: 0, to: k, by: orthogonalBlock) {
                let blockEnd = min(blockStart + orthogonalBlock, k)
                for j in blockStart..<blockEnd {
                    let q = a + j * n
                    // The rest of the first pass (the block's earlier columns), then the second pass.
                    for i in blockStart..<j { gramSchmidtStep(q, against: a + i * n, n: n) }
                    for i in 0..<j { gramSchmidtStep(q, against: a + i * n, n: n) }
                    var norm = 0.0
                    for r in 0..<n { norm += q[r] * q[r] }
                    norm = norm.squareRoot()
                    for r in 0..<n { q[r] /= norm }
                }
                firstPassSteps(a, block: blockStart..<blockEnd, later: blockEnd..<k, n: n)
            }
        }
        for c in 0..<k {
            for r in 0..<n { w[transposed ? c * n + r : r * k + c] = Float(columns[c * n + r]) }
        }
    }

    /// Columns made final before the later columns take their first-pass steps from them.
    static let orthogonalBlock = 32

    /// One Gram-Schmidt step of a column of length n: a -= (q · a) q, the dot in row order.
    private static func gramSchmidtStep(_ a: UnsafeMutablePointer<Double>, against q: UnsafePointer<Double>, n: Int) {
        var dot = 0.0
        for r in 0..<n { dot += q[r] * a[r] }
        for r in 0..<n { a[r] -= dot * q[r] }
    }

    /// The first-pass steps of the final columns `block` for every column in `later` of the
    /// column-major matrix `a`, in the block's order; four later columns at a time, whose dot
    /// products are four separate sums run side by side.
    private static func firstPassSteps(_ a: UnsafeMutablePointer<Double>, block: Range<Int>, later: Range<Int>, n: Int) {
        var c = later.lowerBound
        while c + 4 <= later.upperBound {
            let (a0, a1, a2, a3) = (a + c * n, a + (c + 1) * n, a + (c + 2) * n, a + (c + 3) * n)
            for i in block {
                let q = a + i * n
                var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                for r in 0..<n {
                    let x = q[r]
                    s0 += x * a0[r]
                    s1 += x * a1[r]
                    s2 += x * a2[r]
                    s3 += x * a3[r]
                }
                for r in 0..<n {
                    let x = q[r]
                    a0[r] -= s0 * x
                    a1[r] -= s1 * x
                    a2[r] -= s2 * x
                    a3[r] -= s3 * x
                }
            }
            c += 4
        }
        for column in c..<later.upperBound {
            for i in block { gramSchmidtStep(a + column * n, against: a + i * n, n: n) }
        }
    }

    /// Zeros.
    public static func zeros(_ w: UnsafeMutablePointer<Float>, count: Int) {
        w.update(repeating: 0, count: count)
    }
}
