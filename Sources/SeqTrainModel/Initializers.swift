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
    /// Gram-Schmidt in float64, applied twice per column (enough for float64 orthogonality).
    public static func orthogonal(_ w: UnsafeMutablePointer<Float>, rows: Int, cols: Int, random: inout SplitMixRandom) {
        let transposed = rows < cols
        let (n, k) = transposed ? (cols, rows) : (rows, cols)  // orthonormalise the k columns of a [n, k] matrix
        var a = (0..<(n * k)).map { _ in random.nextNormal() }
        for j in 0..<k {
            for _ in 0..<2 {
                for i in 0..<j {
                    var dot = 0.0
                    for r in 0..<n { dot += a[r * k + i] * a[r * k + j] }
                    for r in 0..<n { a[r * k + j] -= dot * a[r * k + i] }
                }
            }
            var norm = 0.0
            for r in 0..<n { norm += a[r * k + j] * a[r * k + j] }
            norm = norm.squareRoot()
            for r in 0..<n { a[r * k + j] /= norm }
        }
        for r in 0..<n {
            for c in 0..<k { w[transposed ? c * n + r : r * k + c] = Float(a[r * k + c]) }
        }
    }

    /// Zeros.
    public static func zeros(_ w: UnsafeMutablePointer<Float>, count: Int) {
        w.update(repeating: 0, count: count)
    }
}
