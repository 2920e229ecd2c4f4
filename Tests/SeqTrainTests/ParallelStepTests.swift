import Foundation
import SeqTrain
import XCTest

/// The optimizer step split across threads: each slice of the parameters gets exactly the operations
/// the whole update gives it, so every rule, with clipping and weight decay, trains to the same bytes
/// on one thread and on two.
final class ParallelStepTests: XCTestCase {
    /// Every rule and option that changes the update's arithmetic (slot count, Nesterov, decay, schedule).
    static var optimizers: [(name: String, config: OptimizerConfig)] {
        var momentum = SGDConfig(), nesterov = SGDConfig(), scheduled = AdamConfig()
        momentum.momentum = 0.9
        nesterov.momentum = 0.9
        nesterov.nesterov = true
        scheduled.learningRate = .schedule(ExponentialDecay(initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5))
        return [("adam", OptimizerConfig(AdamConfig())), ("adamw", OptimizerConfig(AdamWConfig())),
                ("sgd", OptimizerConfig(SGDConfig())), ("sgd momentum", OptimizerConfig(momentum)),
                ("sgd nesterov", OptimizerConfig(nesterov)), ("rmsprop", OptimizerConfig(RMSpropConfig())),
                ("adam decay schedule", OptimizerConfig(scheduled, weightDecay: 0.01))]
    }

    /// Normal values mixed with zeros and subnormals (the values dead ReLU filters leave in Adam's moments).
    func values(_ count: Int, _ random: inout SplitMixRandom) -> [Float] {
        let specials: [Float] = [0, -0.0, .leastNonzeroMagnitude, -Float(bitPattern: 0x0000_1234), .leastNormalMagnitude, 1e-20]
        return (0..<count).map { _ in
            random.nextInt(below: 4) == 0 ? specials[random.nextInt(below: specials.count)] : Float(random.nextNormal())
        }
    }

    /// The bits of the weights then every slot.
    func state(_ optimizer: Optimizer, _ w: [Float]) -> [UInt32] {
        (w + optimizer.slots.flatMap(\.buffer.array)).map(\.bitPattern)
    }

    func testSlicedUpdatesEqualTheWholeUpdate() {
        let pools = [2, 3].map { WorkerPool(threads: $0) }
        for (name, config) in Self.optimizers {
            for count in [1, 15, 17, 33, 6010] {
                var random = SplitMixRandom(seed: 5, purpose: "slices", index: count)
                let w0 = values(count, &random), gradients = (0..<3).map { _ in values(count, &random) }
                // Cuts: the pools' aligned slices, and unaligned thirds (any offset must do).
                let thirds = [0, count / 3, 2 * count / 3, count]
                let cuttings: [(String, (Range<Int>, @escaping (Range<Int>) -> Void) -> Void)] = [
                    ("2 threads", { pools[0].runSlices(of: $0.count, $1) }),
                    ("3 threads", { pools[1].runSlices(of: $0.count, $1) }),
                    ("thirds", { _, body in for i in 0..<3 { body(thirds[i]..<thirds[i + 1]) } }),
                ]
                let whole = Optimizer(config, parameterCount: count)
                var w = w0
                for g in gradients { whole.step(&w, g, count: count) }
                for (cutting, cut) in cuttings {
                    let sliced = Optimizer(config, parameterCount: count)
                    let weights = FloatBuffer(count: count)
                    weights.assign(w0)
                    for g in gradients {
                        let step = sliced.beginStep(), gradient = FloatBuffer(count: count)
                        gradient.assign(g)
                        cut(0..<count) { sliced.apply(step, weights.pointer, gradient.pointer, range: $0) }
                    }
                    XCTAssertEqual(sliced.iterations, 3, "\(name): one step per update")
                    XCTAssertEqual(state(sliced, weights.array), state(whole, w), "\(name), \(count) values, \(cutting)")
                }
            }
        }
    }

    func testClipValueOnSlicesEqualsTheWholeClip() {
        let tensors = [0..<7, 7..<40, 40..<41, 41..<100]
        let optimizer = Optimizer(OptimizerConfig(SGDConfig()), parameterCount: 100, clipping: .value(0.5), tensors: tensors)
        XCTAssertTrue(optimizer.clipping.isElementWise)
        XCTAssertFalse(Optimizer(OptimizerConfig(SGDConfig()), parameterCount: 100, clipping: .norm(1)).clipping.isElementWise)
        var random = SplitMixRandom(seed: 8, purpose: "clip")
        let g0 = values(100, &random)
        var whole = g0
        optimizer.clip(&whole)
        let sliced = FloatBuffer(count: 100)
        sliced.assign(g0)
        WorkerPool(threads: 2).runSlices(of: 100) { optimizer.clip(sliced.pointer, range: $0) }
        XCTAssertEqual(sliced.array.map(\.bitPattern), whole.map(\.bitPattern))
    }

    func testWorkerPoolSlicesAreAlignedAndCoverEachValueOnce() {
        for threads in [1, 2, 3] {
            let pool = WorkerPool(threads: threads)
            for count in [0, 1, 15, 16, 17, 33, 6010] {
                let hits = FloatBuffer(count: count)
                pool.runSlices(of: count) { range in
                    for i in range { hits.pointer[i] += range.lowerBound % 16 == 0 ? 1 : 100 }  // 100: a misaligned slice
                }
                XCTAssertEqual(hits.array, [Float](repeating: 1, count: count), "\(threads) threads, \(count) values")
            }
        }
    }

    /// Training with each optimizer, and with clipnorm and clipvalue, on 1 and 2 threads: the same
    /// weights, slots, step count and figures.
    func testEveryOptimizerTrainsByteIdenticallyOnOneAndTwoThreads() throws {
        let optimizers = [
            "adam", "adamw", "sgd", "{name: sgd, momentum: 0.9}", "{name: sgd, momentum: 0.9, nesterov: true}", "rmsprop",
            "{name: adam, weight_decay: 0.01, learning_rate: "
                + "{schedule: exponential_decay, initial_learning_rate: 0.01, decay_steps: 5, decay_rate: 0.5}}",
            "{name: adam, clipnorm: 0.05}", "{name: sgd, momentum: 0.5, clipvalue: 0.01}", "{name: rmsprop, clipnorm: 0.02}",
        ]
        for optimizer in optimizers {
            let experiment = try ExperimentParser.parse(yaml: """
                name: slices
                seed: 4
                data: {source: {generator: sine, series: 300}, window: 12, target: vector, horizon: 1, split: {train: 200, valid: 60, test: 40}}
                model:
                  - Conv1D: {filters: 8, kernel_size: 3, padding: causal, activation: relu}
                  - SimpleRNN: {units: 6}
                  - Dense: {units: 1}
                train: {epochs: 2, batch_size: 16, optimizer: \(optimizer)}
                """, file: "slices.yaml")
            let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
            let runs = try [1, 2].map { threads in
                let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
                let figures = try (1...2).map { try trainer.trainEpoch($0) }
                return (trainer, figures, state(trainer.optimizer, trainer.model.parameters.array))
            }
            XCTAssertGreaterThan(runs[0].0.model.parameterCount, 32, "two slices")
            XCTAssertEqual(runs[1].0.optimizer.iterations, 2 * runs[1].0.stepsPerEpoch, "\(optimizer): one step per batch")
            XCTAssertEqual(runs[0].1, runs[1].1, "\(optimizer): figures")
            XCTAssertEqual(runs[0].2, runs[1].2, "\(optimizer): weights and slots")
            XCTAssertTrue(runs[0].1.allSatisfy { $0.loss.isFinite }, optimizer)
        }
    }
}
