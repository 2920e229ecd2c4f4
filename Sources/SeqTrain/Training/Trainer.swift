/// The loss and metrics of one pass over a split, metrics in the config's order.
public struct Evaluation: Equatable, Sendable {
    /// Mean loss over the samples.
    public var loss: Double
    /// Mean of each metric over the samples, in `train.metrics` order.
    public var metrics: [Double]

    /// Creates an evaluation.
    public init(loss: Double, metrics: [Double]) {
        self.loss = loss
        self.metrics = metrics
    }
}

/// Training stopped because the loss stopped being a number.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    /// The epoch (from 1) and batch (from 1) where it happened.
    public var epoch: Int, batch: Int
    /// The value seen.
    public var value: Double
    /// What a user should read.
    public var description: String {
        "the loss became \(value) at epoch \(epoch), batch \(batch); training stopped and the last good checkpoint was kept. "
            + "Try a lower train.optimizer.learning_rate."
    }
}

/// Fits a model to the training split the way Keras's `fit` does: shuffled mini-batches with a
/// partial last batch, the epoch loss as the sample-weighted mean of the batch losses, then the
/// validation figures on the whole validation split.
public final class Trainer {
    /// The experiment being trained.
    public let experiment: Experiment
    /// Its data.
    public let dataset: Dataset
    /// The model, weights initialised from the seed.
    public let model: Sequential
    /// The update rule and its state.
    public let optimizer: Optimizer
    private let targets: FloatBuffer
    private let batchSize: Int

    /// Builds and initialises the model of `experiment` (which must not be `naive`).
    public init(experiment: Experiment, dataset: Dataset) {
        guard case .layers(let layers) = experiment.model else { preconditionFailure("the naive model does not train") }
        self.experiment = experiment
        self.dataset = dataset
        batchSize = experiment.train.batchSize
        model = Sequential(layers, inputShape: dataset.inputShape, maxBatch: batchSize)
        model.initialize(seed: experiment.seed)
        optimizer = Optimizer(experiment.train.optimizer, parameterCount: model.parameterCount)
        targets = FloatBuffer(count: batchSize * dataset.targetShape.count)
    }

    /// Batches per epoch (the last may be partial).
    public var stepsPerEpoch: Int { (dataset.indices(of: .train).count + batchSize - 1) / batchSize }

    /// The order of the training samples in `epoch` (from 1): a fixed function of seed and epoch.
    public func order(epoch: Int) -> [Int] {
        var rows = Array(dataset.indices(of: .train))
        if experiment.train.shuffle {
            var random = SplitMixRandom(seed: experiment.seed, purpose: "shuffle", index: epoch)
            random.shuffle(&rows)
        }
        return rows
    }

    /// Trains one epoch (from 1) and returns its training figures; `onBatch(step, runningLoss)` is
    /// called after each batch.
    public func trainEpoch(_ epoch: Int, onBatch: (Int, Double) -> Void = { _, _ in }) throws -> Evaluation {
        let rows = order(epoch: epoch)
        let shape = model.outputShape
        let metrics = experiment.train.metrics
        var lossSum = 0.0
        var metricSums = [Double](repeating: 0, count: metrics.count)
        var seen = 0
        try rows.withUnsafeBufferPointer { all in
            var step = 0
            for start in stride(from: 0, to: all.count, by: batchSize) {
                step += 1
                let batch = min(batchSize, all.count - start)
                let slice = UnsafeBufferPointer(rebasing: all[start..<(start + batch)])
                dataset.fillBatch(rows: slice, inputs: model.input.pointer, targets: targets.pointer)
                let prediction = model.forward(batch: batch)
                let loss = experiment.train.loss.evaluate(prediction: prediction, target: targets.pointer,
                                                          count: batch * shape.count, gradient: model.outputGradient)
                guard loss.isFinite else { throw NonFiniteLossError(epoch: epoch, batch: step, value: loss) }
                for (m, metric) in metrics.enumerated() {
                    metricSums[m] += metric.evaluate(prediction: prediction, target: targets.pointer, shape: shape, batch: batch) * Double(batch)
                }
                model.backward(batch: batch)
                optimizer.step(model.parameters.pointer, model.gradients.pointer, count: model.parameterCount)
                lossSum += loss * Double(batch)
                seen += batch
                onBatch(step, lossSum / Double(seen))
            }
        }
        return Evaluation(loss: lossSum / Double(seen), metrics: metricSums.map { $0 / Double(seen) })
    }

    /// The loss and metrics of the current weights on a split.
    public func evaluate(_ split: SplitName) -> Evaluation {
        let shape = model.outputShape
        return Self.evaluateBatches(dataset: dataset, split: split, experiment: experiment, batchSize: batchSize,
                                    shape: shape, targets: targets.pointer) { rows in
            dataset.fillBatch(rows: rows, inputs: model.input.pointer, targets: targets.pointer)
            return UnsafePointer(model.forward(batch: rows.count))
        }
    }

    /// The naive baseline (repeat the last input value) on a split.
    public static func naive(dataset: Dataset, experiment: Experiment, split: SplitName) -> Evaluation {
        let batchSize = 256
        let shape = dataset.targetShape
        let targets = FloatBuffer(count: batchSize * shape.count)
        let prediction = FloatBuffer(count: batchSize * shape.count)
        let inputs = FloatBuffer(count: batchSize * dataset.inputShape.count)
        return evaluateBatches(dataset: dataset, split: split, experiment: experiment, batchSize: batchSize,
                               shape: shape, targets: targets.pointer) { rows in
            dataset.fillBatch(rows: rows, inputs: inputs.pointer, targets: targets.pointer)
            dataset.fillNaivePrediction(rows: rows, prediction: prediction.pointer)
            return UnsafePointer(prediction.pointer)
        }
    }

    /// Sample-weighted means of the loss and metrics over a split, in index order.
    private static func evaluateBatches(dataset: Dataset, split: SplitName, experiment: Experiment, batchSize: Int,
                                        shape: TensorShape, targets: UnsafeMutablePointer<Float>,
                                        predict: (UnsafeBufferPointer<Int>) -> UnsafePointer<Float>) -> Evaluation {
        let rows = Array(dataset.indices(of: split))
        let metrics = experiment.train.metrics
        var lossSum = 0.0
        var metricSums = [Double](repeating: 0, count: metrics.count)
        guard !rows.isEmpty else { return Evaluation(loss: .nan, metrics: metricSums.map { _ in .nan }) }
        rows.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: batchSize) {
                let batch = min(batchSize, all.count - start)
                let prediction = predict(UnsafeBufferPointer(rebasing: all[start..<(start + batch)]))
                lossSum += experiment.train.loss.evaluate(prediction: prediction, target: targets,
                                                          count: batch * shape.count, gradient: nil) * Double(batch)
                for (m, metric) in metrics.enumerated() {
                    metricSums[m] += metric.evaluate(prediction: prediction, target: targets, shape: shape, batch: batch) * Double(batch)
                }
            }
        }
        let n = Double(rows.count)
        return Evaluation(loss: lossSum / n, metrics: metricSums.map { $0 / n })
    }
}
