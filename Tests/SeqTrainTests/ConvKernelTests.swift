import Foundation
import SeqTrain
import XCTest

/// Conv1D's feature-major kernels (conv1d.c): every instruction set gives the same bits as plain C, plain C
/// follows the documented order of additions, and feature-major chains compute what time-major ones do.
final class ConvKernelTests: XCTestCase {
    override func tearDown() {
        SIMDLevel.limit(to: 2)  // back to the best the CPU has
    }

    /// Geometries with batches below, at and past one vector (16 lanes, masked tails), filter counts that
    /// leave tile remainders (forward tiles of up to 24 outputs; weight tiles of 1, 2 or 4 vectors of
    /// filters by 12, 8 or 4 features), one feature or filter.
    static let cases: [(config: Conv1DConfig, steps: Int, features: Int, batch: Int)] = [
        (Conv1DConfig(filters: 20, kernelSize: 2, padding: .causal, dilationRate: 4, activation: .relu), 12, 20, 16),
        (Conv1DConfig(filters: 25, kernelSize: 3, padding: .same, dilationRate: 2, activation: .tanh), 9, 7, 17),
        (Conv1DConfig(filters: 10, kernelSize: 1), 6, 20, 40),
        (Conv1DConfig(filters: 1, kernelSize: 2, padding: .valid, activation: .relu), 8, 3, 5),
        (Conv1DConfig(filters: 7, kernelSize: 4, padding: .causal, activation: .sigmoid, useBias: false), 5, 1, 1),
        (Conv1DConfig(filters: 49, kernelSize: 2, padding: .causal, dilationRate: 8, activation: .relu), 10, 9, 33),
        (Conv1DConfig(filters: 70, kernelSize: 2, padding: .same), 5, 13, 3),
        (Conv1DConfig(filters: 64, kernelSize: 3, padding: .same, activation: .relu), 6, 5, 32),
        (Conv1DConfig(filters: 16, kernelSize: 2, padding: .causal, dilationRate: 3, activation: .tanh), 7, 26, 2),
    ]

    /// Every pair of layouts a model can set: alone, first, last and inside a feature-major chain.
    static let layouts: [(input: SequenceLayout, output: SequenceLayout)] =
        [(.timeMajor, .timeMajor), (.timeMajor, .featureMajor), (.featureMajor, .featureMajor), (.featureMajor, .timeMajor)]

    /// Output, input gradient and parameter gradients of one layer at every SIMD level, with the values drawn
    /// from `seed`; ReLU's kinks do not matter here, only equality.
    private func runs(_ c: (config: Conv1DConfig, steps: Int, features: Int, batch: Int), input: SequenceLayout, output: SequenceLayout)
        -> [(level: Int, result: (output: [Float], dinput: [Float], dparameters: [[Float]]))] {
        let layer = c.config.makeLayer(inputShape: .sequence(steps: c.steps, features: c.features), name: "conv", maxBatch: c.batch)
        layer.useLayouts(input: input, output: output)
        var random = SplitMixRandom(seed: 5, purpose: "conv kernels")
        func draw(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.nextNormal()) } }
        let x = draw(c.batch * layer.inputShape.count), p = draw(layer.parameterCount), up = draw(c.batch * layer.outputShape.count)
        let harness = LayerHarness(layers: [layer], batch: c.batch)
        return perLevel { harness.run(input: x, parameters: [p], upstream: up) }
    }

    func testEveryInstructionSetGivesTheSameBits() {
        for c in Self.cases {
            for (input, output) in Self.layouts {
                let all = runs(c, input: input, output: output)
                for run in all.dropFirst() {
                    let what = "\(c.config) B=\(c.batch) \(input)→\(output) level \(run.level)"
                    XCTAssertEqual(run.result.output.map(\.bitPattern), all[0].result.output.map(\.bitPattern), "output, \(what)")
                    XCTAssertEqual(run.result.dinput.map(\.bitPattern), all[0].result.dinput.map(\.bitPattern), "input gradient, \(what)")
                    XCTAssertEqual(run.result.dparameters[0].map(\.bitPattern), all[0].result.dparameters[0].map(\.bitPattern), "weights, \(what)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(SIMDLevel.best, 0)
    }

    /// Plain C against the order the header documents, written out here, which is that of the time-major
    /// products: the forward sum tap by tap (covering tap first) and feature by feature from 0; the input
    /// gradient likewise over filters; the weight and bias gradients over steps, then samples.
    func testPlainCFollowsTheDocumentedOrder() {
        for c in Self.cases {
            let layer = c.config.makeLayer(inputShape: .sequence(steps: c.steps, features: c.features), name: "conv", maxBatch: c.batch)
            let (T, F, B, K, C, d) = (c.steps, c.features, c.batch, c.config.kernelSize, c.config.filters, c.config.dilationRate)
            let (steps, pad) = c.config.geometry(steps: T)
            var random = SplitMixRandom(seed: 6, purpose: "conv order")
            func draw(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.nextNormal()) } }
            let x = draw(B * T * F), p = draw(layer.parameterCount), up = draw(B * steps * C)
            SIMDLevel.limit(to: 0)
            let run = LayerHarness(layers: [layer], batch: B).run(input: x, parameters: [p], upstream: up)
            // Time-major [T][B][F] in and out, as the harness passes them.
            let inRange = { (m: Int) in (0..<steps).allSatisfy { (0..<T).contains($0 + m * d - pad) } }
            let first = (0..<K).first(where: inRange)
            let order = (first.map { [$0] } ?? []) + (0..<K).filter { $0 != first }
            var output = [Float](repeating: 0, count: B * steps * C)
            var preActivationGradient = up
            for i in 0..<steps {
                for b in 0..<B {
                    for o in 0..<C {
                        var acc: Float = 0
                        for m in order where (0..<T).contains(i + m * d - pad) {
                            for f in 0..<F { acc.addProduct(x[((i + m * d - pad) * B + b) * F + f], p[(m * F + f) * C + o]) }
                        }
                        if c.config.useBias { acc += p[K * F * C + o] }
                        var one = [acc]
                        c.config.activation.applyForTesting(&one)
                        let y = one[0]
                        output[(i * B + b) * C + o] = y
                        preActivationGradient[(i * B + b) * C + o] *= c.config.activation.derivative(output: y)
                    }
                }
            }
            XCTAssertEqual(run.output.map(\.bitPattern), output.map(\.bitPattern), "forward, \(c.config) B=\(B)")
            var dw = [Float](repeating: 0, count: K * F * C)
            for m in 0..<K {
                for f in 0..<F {
                    for o in 0..<C {
                        var acc: Float = 0
                        for i in 0..<steps where (0..<T).contains(i + m * d - pad) {
                            for b in 0..<B { acc.addProduct(x[((i + m * d - pad) * B + b) * F + f], preActivationGradient[(i * B + b) * C + o]) }
                        }
                        dw[(m * F + f) * C + o] = acc
                    }
                }
            }
            XCTAssertEqual(Array(run.dparameters[0].prefix(K * F * C)).map(\.bitPattern), dw.map(\.bitPattern), "weight gradient, \(c.config) B=\(B)")
            if c.config.useBias {
                let db = (0..<C).map { o in (0..<(steps * B)).reduce(Float(0)) { $0 + preActivationGradient[$1 * C + o] } }
                XCTAssertEqual(Array(run.dparameters[0].suffix(C)).map(\.bitPattern), db.map(\.bitPattern), "bias gradient, \(c.config) B=\(B)")
            }
            // The input gradient: the tap that reaches every input step first, then filters from 0.
            let reaches = { (m: Int) in (0..<T).allSatisfy { (0..<steps).contains($0 - m * d + pad) } }
            let firstBack = (0..<K).first(where: reaches)
            let backOrder = (firstBack.map { [$0] } ?? []) + (0..<K).filter { $0 != firstBack }
            var dx = [Float](repeating: 0, count: B * T * F)
            for s in 0..<T {
                for b in 0..<B {
                    for f in 0..<F {
                        var acc: Float = 0
                        for m in backOrder where (0..<steps).contains(s - m * d + pad) {
                            for o in 0..<C { acc.addProduct(preActivationGradient[((s - m * d + pad) * B + b) * C + o], p[(m * F + f) * C + o]) }
                        }
                        dx[(s * B + b) * F + f] = acc
                    }
                }
            }
            XCTAssertEqual(run.dinput.map(\.bitPattern), dx.map(\.bitPattern), "input gradient, \(c.config) B=\(B)")
        }
    }

    /// A first layer gets no input gradient (and skips the copies that serve it); its weight gradients are
    /// those of a layer that computes one, and a later pass that asks for one gets it whole.
    func testNoInputGradientGivesTheSameWeightGradients() {
        for c in Self.cases {
            for (input, output) in Self.layouts {
                let layer = c.config.makeLayer(inputShape: .sequence(steps: c.steps, features: c.features), name: "conv", maxBatch: c.batch)
                layer.useLayouts(input: input, output: output)
                var random = SplitMixRandom(seed: 8, purpose: "conv first layer")
                func draw(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.nextNormal()) } }
                let x = draw(c.batch * layer.inputShape.count), p = draw(layer.parameterCount), up = draw(c.batch * layer.outputShape.count)
                var out = [Float](repeating: 0, count: up.count), dout = up, dparams = [Float](repeating: .nan, count: p.count)
                layer.forward(&out, x, p, batch: c.batch)
                layer.backward(nil, &dparams, &dout, x, out, p, batch: c.batch)
                let full = LayerHarness(layers: [layer], batch: c.batch).run(input: x, parameters: [p], upstream: up)
                let what = "\(c.config) B=\(c.batch) \(input)→\(output)"
                XCTAssertEqual(dparams.map(\.bitPattern), full.dparameters[0].map(\.bitPattern), what)
                let fresh = c.config.makeLayer(inputShape: layer.inputShape, name: "conv", maxBatch: c.batch)
                fresh.useLayouts(input: input, output: output)
                let expected = LayerHarness(layers: [fresh], batch: c.batch).run(input: x, parameters: [p], upstream: up)
                XCTAssertEqual(full.dinput.map(\.bitPattern), expected.dinput.map(\.bitPattern), what)
            }
        }
    }

    /// The transposes between time-major and feature-major (16 × 16 tiles in registers with AVX-512,
    /// partial at the edges) move every value to its place.
    func testTransposesMoveEveryValue() {
        for (rows, cols) in [(1, 1), (16, 16), (10, 16), (16, 10), (17, 33), (128, 10), (3, 40), (33, 1), (31, 47)] {
            let src = (0..<(rows * cols)).map { Float($0) + 0.5 }
            let expected = (0..<(cols * rows)).map { src[($0 % rows) * cols + $0 / rows] }
            for run in perLevel({ () -> [Float] in
                var dst = [Float](repeating: .nan, count: rows * cols)
                src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { Gemm.transpose(rows, cols, s.baseAddress!, $0.baseAddress!) } }
                return dst
            }) {
                XCTAssertEqual(run.result, expected, "\(rows) × \(cols) at level \(run.level)")
            }
        }
    }

    /// Between two stride-1 convolutions a model passes batches feature-major, skipping the transposes to
    /// and from time-major: every value, gradient and weight gradient is the same bits either way.
    func testFeatureMajorChainsComputeWhatTimeMajorOnesDo() {
        let configs = [Conv1DConfig(filters: 20, kernelSize: 2, padding: .causal, dilationRate: 1, activation: .relu),
                       Conv1DConfig(filters: 20, kernelSize: 2, padding: .causal, dilationRate: 2, activation: .relu),
                       Conv1DConfig(filters: 10, kernelSize: 1)]
        func stack(featureMajor: Bool) -> [any Layer] {
            var layers: [any Layer] = []
            var shape = TensorShape.sequence(steps: 12, features: 3)
            for (i, config) in configs.enumerated() {
                layers.append(config.makeLayer(inputShape: shape, name: "c\(i)", maxBatch: 16))
                shape = layers.last!.outputShape
            }
            if featureMajor { Sequential.chooseLayouts(layers) }
            return layers
        }
        var random = SplitMixRandom(seed: 7, purpose: "conv chains")
        func draw(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.nextNormal()) } }
        let timeMajor = stack(featureMajor: false), featureMajor = stack(featureMajor: true)
        let x = draw(16 * 12 * 3), up = draw(16 * 12 * 10), p = timeMajor.map { draw($0.parameterCount) }
        let a = LayerHarness(layers: timeMajor, batch: 16).run(input: x, parameters: p, upstream: up)
        let b = LayerHarness(layers: featureMajor, batch: 16).run(input: x, parameters: p, upstream: up)
        XCTAssertEqual(a.output.map(\.bitPattern), b.output.map(\.bitPattern))
        for (l, (ga, gb)) in zip(a.dparameters, b.dparameters).enumerated() {
            XCTAssertEqual(ga.map(\.bitPattern), gb.map(\.bitPattern), "layer \(l)")
        }
        XCTAssertEqual(a.dinput.map(\.bitPattern), b.dinput.map(\.bitPattern))
    }
}
