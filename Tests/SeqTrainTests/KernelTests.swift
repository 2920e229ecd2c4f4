import Foundation
import SeqTrain
import XCTest

/// The SIMD kernels: every instruction set gives the same bits as plain C, and tanh is accurate.
final class KernelTests: XCTestCase {
    override func tearDown() {
        SIMDLevel.limit(to: 2)  // back to the best the CPU has
    }

    func testMatrixProductsAreBitIdenticalOnEveryInstructionSet() {
        var random = SplitMixRandom(seed: 1, purpose: "kernels")
        // Every tile height's remainder (tiles of 4, 8 and 12 rows), masked widths, panels of 64 plus a
        // tail, B copied into panels (m ≥ 64 with n > 64; n ≥ 256), and sums longer than one chunk (128).
        let sizes = [(1, 1, 1), (3, 5, 7), (4, 20, 20), (32, 20, 1), (33, 17, 19), (5, 33, 3), (9, 64, 20), (32, 128, 128), (2, 1, 50),
                     (23, 10, 9), (19, 84, 5), (70, 150, 33), (11, 256, 7), (64, 65, 130), (16, 512, 129), (7, 300, 260), (13, 31, 300)]
        for (m, n, k) in sizes {
            let a = (0..<(m * k)).map { _ in Float(random.nextNormal()) }
            let b = (0..<(k * n)).map { _ in Float(random.nextNormal()) }
            let c0 = (0..<(m * n)).map { _ in Float(random.nextNormal()) }
            for accumulate in [false, true] {
                let nn = perLevel { () -> [Float] in
                    var c = c0
                    Gemm.nn(m, n, k, a, b, &c, accumulate: accumulate)
                    return c
                }
                let tn = perLevel { () -> [Float] in  // a read as [k, m]
                    var c = c0
                    Gemm.tn(m, n, k, a, b, &c, accumulate: accumulate)
                    return c
                }
                // The plain-C result against a straightforward loop, and every level against plain C.
                var reference = accumulate ? c0 : [Float](repeating: 0, count: m * n)
                for i in 0..<m { for p in 0..<k { for j in 0..<n { reference[i * n + j].addProduct(a[i * k + p], b[p * n + j]) } } }
                XCTAssertEqual(nn[0].result.map(\.bitPattern), reference.map(\.bitPattern), "nn \(m)x\(n)x\(k) plain C")
                for run in nn.dropFirst() {
                    XCTAssertEqual(run.result.map(\.bitPattern), nn[0].result.map(\.bitPattern), "nn \(m)x\(n)x\(k) level \(run.level)")
                }
                for run in tn.dropFirst() {
                    XCTAssertEqual(run.result.map(\.bitPattern), tn[0].result.map(\.bitPattern), "tn \(m)x\(n)x\(k) level \(run.level)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(SIMDLevel.best, 0)
    }

    func testReusedMatrixProductsEqualPlainProductsOnEveryInstructionSet() {
        var random = SplitMixRandom(seed: 2, purpose: "reused matrix")
        // Narrow (read in place) and wide (packed into panels, with a partial last panel) recurrent kernels.
        for (m, n, k) in [(16, 128, 128), (16, 512, 128), (5, 384, 20), (16, 300, 17), (3, 257, 140), (16, 100, 512)] {
            let a = (0..<(m * k)).map { _ in Float(random.nextNormal()) }
            let b = (0..<(k * n)).map { _ in Float(random.nextNormal()) }
            let c0 = (0..<(m * n)).map { _ in Float(random.nextNormal()) }
            for accumulate in [false, true] {
                var plain = c0
                SIMDLevel.limit(to: 0)
                Gemm.nn(m, n, k, a, b, &plain, accumulate: accumulate)
                let reusedRuns = perLevel { () -> [Float] in
                    let matrix = ReusedMatrix(rows: k, cols: n)
                    var c = c0
                    b.withUnsafeBufferPointer { b in
                        matrix.use(b.baseAddress!)
                        XCTAssertEqual(matrix.values, b.baseAddress!)
                        c.withUnsafeMutableBufferPointer { c in
                            a.withUnsafeBufferPointer { matrix.multiply(m, $0.baseAddress!, into: c.baseAddress!, accumulate: accumulate) }
                        }
                    }
                    return c
                }
                for run in reusedRuns {
                    XCTAssertEqual(run.result.map(\.bitPattern), plain.map(\.bitPattern), "reused \(m)x\(n)x\(k) level \(run.level)")
                }
            }
        }
    }

    func testTanhIsAccurateAndIdenticalOnEveryInstructionSet() {
        // Every float in [-10, 10] at a fine stride, plus edge values.
        var inputs: [Float] = stride(from: Float(-10), through: 10, by: 1.0 / 4096).map { $0 }
        inputs += [0, -0, 1e-30, -1e-30, 0.625, -0.625, 0.62499994, 9, -9, 8.999999, 50, -50, .infinity, -.infinity,
                   .greatestFiniteMagnitude, Float.leastNonzeroMagnitude]
        let results = perLevel { () -> [Float] in
            var x = inputs
            Activation.tanh.applyForTesting(&x)
            return x
        }
        for run in results.dropFirst() {
            XCTAssertEqual(run.result.map(\.bitPattern), results[0].result.map(\.bitPattern), "tanh level \(run.level)")
        }
        var worst: (ulps: Double, at: Float) = (0, 0)
        for (x, y) in zip(inputs, results[0].result) {
            let exact = Foundation.tanh(Double(x))
            let ulp = Double(Float(exact).ulp)
            let error = abs(Double(y) - exact) / max(ulp, Double(Float.leastNonzeroMagnitude))
            if error > worst.ulps { worst = (error, x) }
            XCTAssertEqual(y.sign, x.sign, "tanh keeps the sign of \(x)")
            XCTAssertLessThanOrEqual(abs(y), 1)
        }
        XCTAssertLessThanOrEqual(worst.ulps, 4, "worst error \(worst.ulps) ulps at \(worst.at)")
        var nan: [Float] = [.nan]
        Activation.tanh.applyForTesting(&nan)
        XCTAssertTrue(nan[0].isNaN)
    }
}
