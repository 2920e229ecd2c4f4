import CKernels
import Foundation
import SeqTrain
import XCTest

/// The element-wise kernels: at every instruction set, bit for bit the plain Swift loop of the same
/// formula, on lengths that leave every kind of tail and on data full of special values.
final class ElementwiseKernelTests: XCTestCase {
    override func tearDown() {
        SIMDLevel.limit(to: 2)  // back to the best the CPU has
    }

    /// Below, around and above the 8- and 16-lane blocks, and a long run.
    let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 33, 1000]
    /// One NaN payload throughout: x86's default NaN, the one arithmetic makes. Where two different NaNs
    /// meet, which payload comes out is up to the compiler (LLVM promises none; a Swift loop kept the
    /// second operand's of a subtraction), so only one payload is compared.
    let nan = Float(bitPattern: 0xFFC0_0000)

    /// Normal values mixed with ±0, NaN, ±infinity, subnormals, huge and tiny values (-0.0, since a
    /// Float written `-0` is the integer literal 0, so +0).
    func values(_ count: Int, _ random: inout SplitMixRandom) -> [Float] {
        let specials: [Float] = [0, -0.0, nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                 Float(bitPattern: 0x0040_0000), -Float(bitPattern: 0x0000_1234), .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .leastNormalMagnitude, 1, -1, 1e-20, 3e19]
        return (0..<count).map { _ in
            random.nextInt(below: 4) == 0 ? specials[random.nextInt(below: specials.count)] : Float(random.nextNormal())
        }
    }

    /// Fails unless `result` has the bits of `reference`, naming the first element that differs.
    func assertSameBits(_ result: [Float], _ reference: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.count, reference.count, what, file: file, line: line)
        if let i = result.indices.first(where: { i in i < reference.count && result[i].bitPattern != reference[i].bitPattern }) {
            XCTFail("\(what): element \(i) of \(result.count) is \(result[i]) (0x\(String(result[i].bitPattern, radix: 16))), "
                    + "expected \(reference[i]) (0x\(String(reference[i].bitPattern, radix: 16)))", file: file, line: line)
        }
    }

    /// Fails unless every level's result has the bits of `reference`.
    func assertEveryLevel(_ reference: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line,
                          _ body: () -> [Float]) {
        for run in perLevel(body) {
            assertSameBits(run.result, reference, "\(what) level \(run.level)", file: file, line: line)
        }
    }

    /// `f(x, y)` into x, by the kernel (`body`) at every level and by a Swift loop of `scalar`.
    func checkBinary(_ what: String, seed: UInt32, _ scalar: (Float, Float) -> Float,
                     _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void) {
        var random = SplitMixRandom(seed: seed, purpose: "elementwise")
        for n in lengths {
            let x0 = values(n, &random), y = values(n, &random)
            let reference = zip(x0, y).map { scalar($0, $1) }
            assertEveryLevel(reference, "\(what) n \(n)") {
                var x = x0
                x.withUnsafeMutableBufferPointer { x in y.withUnsafeBufferPointer { body(x.baseAddress!, $0.baseAddress!, n) } }
                return x
            }
        }
    }

    func testAddKeepAndActivationDerivatives() {
        checkBinary("add", seed: 1, { $0 + $1 }) { SIMDLoops.add($0, $1, count: $2) }
        checkBinary("keep where positive", seed: 2, { g, y in y > 0 ? g : 0 }) { st_keep_where_positive($0, $1, $2) }
        checkBinary("relu backward", seed: 3, { g, y in y > 0 ? g : 0 }) { Activation.relu.backward($0, output: $1, count: $2) }
        checkBinary("tanh backward", seed: 4, { g, y in g * (1 - y * y) }) { Activation.tanh.backward($0, output: $1, count: $2) }
        checkBinary("sigmoid backward", seed: 5, { g, y in g * (y * (1 - y)) }) { Activation.sigmoid.backward($0, output: $1, count: $2) }
    }

    func testReLUIsSwiftsMax() {
        var random = SplitMixRandom(seed: 6, purpose: "elementwise")
        for n in lengths {
            let x0 = values(n, &random)
            assertEveryLevel(x0.map { max($0, 0) }, "relu n \(n)") {
                var x = x0
                Activation.relu.applyForTesting(&x)
                return x
            }
        }
        // -0 becomes +0 and NaN keeps its bits, in a full vector and in the tail.
        let payload = Float(bitPattern: 0x7FC0_1234)
        let edge: [Float] = [-0.0, payload, 2, -3] + [Float](repeating: 1, count: 13) + [-0.0, payload]
        assertEveryLevel([0, payload, 2, 0] + [Float](repeating: 1, count: 13) + [0, payload], "relu edges") {
            var x = edge
            Activation.relu.applyForTesting(&x)
            return x
        }
    }

    func testAddRowsAndColumnSums() {
        var random = SplitMixRandom(seed: 7, purpose: "elementwise")
        // Widths around the 8-, 16-, 32- and 64-column blocks.
        for rows in [0, 1, 3, 17] {
            for n in [0, 1, 7, 10, 15, 16, 17, 20, 33, 64, 65, 100] {
                let a0 = values(rows * n, &random), bias = values(n, &random), sums0 = values(n, &random)
                var added = a0
                for r in 0..<rows { for j in 0..<n { added[r * n + j] += bias[j] } }
                assertEveryLevel(added, "add rows \(rows)x\(n)") {
                    var a = a0
                    Gemm.addRows(rows, n, &a, bias)
                    return a
                }
                for accumulate in [false, true] {
                    var sums = accumulate ? sums0 : [Float](repeating: 0, count: n)
                    for j in 0..<n { for r in 0..<rows { sums[j] += a0[r * n + j] } }
                    assertEveryLevel(sums, "column sums \(rows)x\(n) accumulate \(accumulate)") {
                        var s = sums0
                        Gemm.columnSums(rows, n, a0, &s, accumulate: accumulate)
                        return s
                    }
                }
            }
        }
    }

    func testOptimizerUpdates() {
        var random = SplitMixRandom(seed: 8, purpose: "elementwise")
        let (alpha, keep1, keep2, eps): (Float, Float, Float, Float) = (0.0013, 0.1, 0.001, 1e-7)
        for n in lengths {
            let w0 = values(n, &random), g = values(n, &random), m0 = values(n, &random)
            let v0 = values(n, &random).map { $0.isNaN ? $0 : abs($0) }  // a second moment (NaN keeps its one payload); negative ones below
            for v1 in [v0, values(n, &random)] {
                // Adam, as the Swift loop it replaces had it.
                var (w, m, v) = (w0, m0, v1)
                for i in 0..<n {
                    m[i] += (g[i] - m[i]) * keep1
                    v[i] += (g[i] * g[i] - v[i]) * keep2
                    w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
                }
                let adam = perLevel { () -> [Float] in
                    var (wk, mk, vk) = (w0, m0, v1)
                    st_adam(&wk, g, &mk, &vk, n, alpha, keep1, keep2, eps)
                    return wk + mk + vk
                }
                for run in adam { assertSameBits(run.result, w + m + v, "adam n \(n) level \(run.level) (w, m, v)") }
                // RMSprop.
                let (lr, rho): (Float, Float) = (0.01, 0.9)
                (w, v) = (w0, v1)
                for i in 0..<n {
                    v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
                    w[i] -= lr * g[i] / (v[i] + eps).squareRoot()
                }
                let rmsprop = perLevel { () -> [Float] in
                    var (wk, vk) = (w0, v1)
                    st_rmsprop(&wk, g, &vk, n, lr, rho, eps)
                    return wk + vk
                }
                for run in rmsprop { assertSameBits(run.result, w + v, "rmsprop n \(n) level \(run.level) (w, v)") }
            }
            // The decoupled weight decay.
            let (wd, lr): (Float, Float) = (0.004, 0.001)
            assertEveryLevel(w0.map { $0 - $0 * wd * lr }, "weight decay n \(n)") {
                var w = w0
                st_weight_decay(&w, n, wd, lr)
                return w
            }
        }
    }

    func testAdamRuleUpdatesThroughTheKernel() {
        var random = SplitMixRandom(seed: 9, purpose: "elementwise")
        let n = 37, adam = AdamConfig(), step = 3
        let w0 = values(n, &random), g = values(n, &random)
        let m0 = values(n, &random), v0 = values(n, &random).map { $0.isNaN ? $0 : abs($0) }
        let alpha = Float(0.001 * (1 - pow(adam.beta2, Double(step))).squareRoot() / (1 - pow(adam.beta1, Double(step))))
        let keep1 = 1 - Float(adam.beta1), keep2 = 1 - Float(adam.beta2), eps = Float(adam.epsilon)
        var (w, m, v) = (w0, m0, v0)
        for i in 0..<n {
            m[i] += (g[i] - m[i]) * keep1
            v[i] += (g[i] * g[i] - v[i]) * keep2
            w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
        }
        assertEveryLevel(w + m + v, "adam rule") {
            var (wk, mk, vk) = (w0, m0, v0)
            mk.withUnsafeMutableBufferPointer { mp in
                vk.withUnsafeMutableBufferPointer { vp in
                    adam.update(&wk, g, slots: [mp.baseAddress!, vp.baseAddress!], count: n, step: step, learningRate: 0.001)
                }
            }
            return wk + mk + vk
        }
    }
}
