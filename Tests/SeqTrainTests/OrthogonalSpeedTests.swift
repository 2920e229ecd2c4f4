import SeqTrain
import XCTest

/// The orthogonal initialiser, rescheduled for speed (issue 14: 1024 units took 24 s, 2048 more than
/// 200 s), must give the same bits as the plain Gram-Schmidt loop it replaced, for every shape.
final class OrthogonalSpeedTests: XCTestCase {
    /// The plain loop as it was: row-major, left-looking, two passes per column.
    static func reference(rows: Int, cols: Int, random: inout SplitMixRandom) -> [Float] {
        let transposed = rows < cols
        let (n, k) = transposed ? (cols, rows) : (rows, cols)
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
        var w = [Float](repeating: 0, count: n * k)
        for r in 0..<n {
            for c in 0..<k { w[transposed ? c * n + r : r * k + c] = Float(a[r * k + c]) }
        }
        return w
    }

    func testSameBitsAsThePlainLoopForEveryShape() {
        // Square (SimpleRNN), [U, 4U] and [U, 3U] (LSTM, GRU: transposed), tall, and the remainders of the four-column blocks.
        let shapes = [(1, 1), (1, 7), (7, 1), (2, 2), (5, 5), (3, 12), (12, 3), (33, 33), (20, 80), (20, 60), (67, 130), (130, 67), (64, 256)]
        for (rows, cols) in shapes {
            for seed in [UInt32(1), 42] {
                var mine = SplitMixRandom(seed: seed, purpose: "orthogonal"), theirs = mine
                var w = [Float](repeating: 0, count: rows * cols)
                w.withUnsafeMutableBufferPointer { Initializers.orthogonal($0.baseAddress!, rows: rows, cols: cols, random: &mine) }
                let expected = Self.reference(rows: rows, cols: cols, random: &theirs)
                XCTAssertEqual(w.map(\.bitPattern), expected.map(\.bitPattern), "\(rows)x\(cols), seed \(seed)")
                XCTAssertEqual(mine.nextDouble(), theirs.nextDouble(), "the generator is left where it was")
            }
        }
    }
}

/// Recurrent layers stop at `maxRecurrentUnits`, where their orthogonal kernel still takes seconds,
/// with the error at the units key (2048 LSTM units took minutes to initialise).
final class RecurrentUnitsLimitTests: XCTestCase {
    func testUnitsAboveTheLimitAreRefusedAtTheKey() throws {
        for layer in ["SimpleRNN", "LSTM", "GRU"] {
            let text = """
                data: {source: {generator: sine, series: 300}, window: 8, split: {train: 200, valid: 50, test: 50}}
                model:
                  - \(layer): {units: 2048}
                  - Dense: {units: 1}
                """
            XCTAssertThrowsError(try ExperimentParser.parse(yaml: text, file: "big.yaml")) { error in
                XCTAssertTrue("\(error)".contains("big.yaml:3:\(layer.count + 15): error: model.0.units must be between 1 and 1024, found 2048"),
                              "\(error)")
            }
            XCTAssertNoThrow(try ExperimentParser.parse(yaml: text.replacingOccurrences(of: "2048", with: "1024"), file: "big.yaml"))
        }
    }
}
