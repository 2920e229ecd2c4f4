import Foundation
import SeqTrain
import XCTest

/// The sigmoid kernel: every instruction set gives the same bits as plain C, and plain C is accurate.
final class SigmoidKernelTests: XCTestCase {
    override func tearDown() {
        SIMDLevel.limit(to: 2)  // back to the best the CPU has
    }

    /// Sigmoid of `values` at the current level.
    func sigmoid(_ values: [Float]) -> [Float] {
        var x = values
        Activation.sigmoid.applyForTesting(&x)
        return x
    }

    /// The error of `y` in float32 ulps of the float64 sigmoid of `x`.
    func ulps(_ y: Float, at x: Float) -> Double {
        let exact = 1 / (1 + Foundation.exp(-Double(x)))
        return abs(Double(y) - exact) / max(Double(Float(exact).ulp), Double(Float.leastNonzeroMagnitude))
    }

    func testSigmoidIsAccurateAndIdenticalOnEveryInstructionSet() {
        // [-30, 30] at a fine stride, plus edge values: zeros, tiny, subnormal outputs, saturation, huge, infinities.
        var inputs: [Float] = stride(from: Float(-30), through: 30, by: 1.0 / 4096).map { $0 }
        inputs += [0, -0, 1e-30, -1e-30, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 16, 17, 17.4, 18, 50, 88.8, 89,
                   -87.4, -88.8, -89, -90, -100, -103.9, -103.97, -104, -104.1, -110, 1e30, -1e30,
                   .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity]
        let results = perLevel { sigmoid(inputs) }
        for run in results.dropFirst() {
            XCTAssertEqual(run.result.map(\.bitPattern), results[0].result.map(\.bitPattern), "sigmoid level \(run.level)")
        }
        var worst: (ulps: Double, at: Float) = (0, 0)
        for (x, y) in zip(inputs, results[0].result) {
            let error = ulps(y, at: x)
            if error > worst.ulps { worst = (error, x) }
            XCTAssertTrue(y >= 0 && y <= 1, "sigmoid(\(x)) = \(y)")
        }
        XCTAssertLessThanOrEqual(worst.ulps, 2.5, "worst error \(worst.ulps) ulps at \(worst.at)")
        XCTAssertEqual(sigmoid([-.infinity, .infinity, 0, -0, -104, -1e30, 20, 1e30]), [0, 1, 0.5, 0.5, 0, 0, 1, 1])
        XCTAssertEqual(sigmoid([-103.9]), [.leastNonzeroMagnitude])  // subnormal outputs, not flushed to zero
    }

    func testSigmoidTailsAndNaNAreIdenticalOnEveryInstructionSet() {
        // Lengths 1...33 cover the 8- and 16-lane blocks and every masked or scalar tail.
        for count in 1...33 {
            let values = (0..<count).map { Float($0) * 1.37 - 21.5 }
            let results = perLevel { sigmoid(values) }
            for run in results.dropFirst() {
                XCTAssertEqual(run.result.map(\.bitPattern), results[0].result.map(\.bitPattern), "count \(count) level \(run.level)")
            }
            for (x, y) in zip(values, results[0].result) { XCTAssertLessThanOrEqual(ulps(y, at: x), 2.5, "sigmoid(\(x))") }
        }
        // NaN comes back unchanged (same bits) in any lane, full block or tail.
        let nan = Float(bitPattern: 0x7FC0_1234), negativeNaN = Float(bitPattern: 0xFFC0_0001)
        for count in [2, 7, 8, 9, 16, 17, 33] {
            var values = (0..<count).map { Float($0) - 3 }
            values[0] = negativeNaN
            values[count - 1] = nan
            for run in perLevel({ sigmoid(values) }) {
                XCTAssertEqual(run.result[0].bitPattern, negativeNaN.bitPattern, "count \(count) level \(run.level)")
                XCTAssertEqual(run.result[count - 1].bitPattern, nan.bitPattern, "count \(count) level \(run.level)")
            }
        }
    }
}
