import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers

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
    /// The epoch (from 1) and batch (from 1) where it happened; batch 0: on the validation split after the epoch.
    public var epoch: Int, batch: Int
    /// The value seen.
    public var value: Double
    /// The figure that stopped being a number: `loss`, or a validation figure such as `val_loss`.
    public var figure: String

    /// Creates the error.
    public init(epoch: Int, batch: Int, value: Double, figure: String = "loss") {
        (self.epoch, self.batch, self.value, self.figure) = (epoch, batch, value, figure)
    }

    /// `the loss became inf at epoch 3, batch 7`, or `val_loss became inf after epoch 3`.
    public var what: String {
        batch > 0 ? "the \(figure) became \(value) at epoch \(epoch), batch \(batch)" : "\(figure) became \(value) after epoch \(epoch)"
    }

    /// What a user should read.
    public var description: String {
        "\(what); training stopped and the last good checkpoint was kept. Try a lower train.optimizer.learning_rate."
    }
}

/// Training stopped between batches because a stop was requested (SIGINT or SIGTERM).
public struct TrainingStopped: Error, CustomStringConvertible {
    /// The epoch that was abandoned (it is redone in full on resume).
    public var epoch: Int
    /// What a user should read.
    public var description: String { "training stopped during epoch \(epoch)" }
    /// A stop during `epoch` (as a signal makes; tests use it to stand for one).
    public init(epoch: Int) { self.epoch = epoch }
}

/// Fits a model to the training split the way Keras's `fit` does: shuffled mini-batches with a
/// partial last batch, the epoch loss as the sample-weighted mean of the batch losses, then the
/// validation figures on the whole validation split. Each batch runs as `Sequential.shardCount`
/// shards on a worker pool; the numbers do not depend on the thread count.
public final class Trainer {
    /// The experiment being trained.
    public let experiment: Experiment
    /// Its data.
    public let dataset: Dataset
    /// The model, weights initialised from the seed.
    public let model: Sequential
    /// The update rule and its state.
    public let optimizer: Optimizer
    /// The threads that run the shards.
    public let pool: WorkerPool
    private let batchSize: Int
    /// Samples per batch when evaluating (larger than training batches: fewer hand-offs between threads).
    private let evaluationBatchSize: Int
    /// Each shard's targets.
    private let targets: [FloatBuffer]
    /// Each shard's loss sum then metric sums, written by the shard, read after all have finished.
    private let shardSums: UnsafeMutablePointer<Double>
    private var sumsPerShard: Int { 1 + experiment.train.metrics.count }

    /// Builds and initialises the model of `experiment` (which must not be `naive`), run by `threads` threads.
    public init(experiment: Experiment, dataset: Dataset, threads: Int = 1) {
        guard case .layers(let layers) = experiment.model else { preconditionFailure("the naive model does not train") }
        self.experiment = experiment
        var aligned = dataset  // sequence targets follow the model's steps (a strided Conv1D's Y[:, 3::2])
        aligned.alignTargets(to: StepAlignment.lastInputSteps(of: layers, input: dataset.inputShape))
        self.dataset = aligned
        batchSize = experiment.train.batchSize
        evaluationBatchSize = max(batchSize, 256)
        model = Sequential(layers, inputShape: dataset.inputShape, maxBatch: evaluationBatchSize)
        model.initialize(seed: experiment.seed)
        optimizer = Optimizer(experiment.train.optimizer, parameterCount: model.parameterCount,
                              clipping: experiment.train.clipping, tensors: model.namedTensors.map(\.range))
        pool = WorkerPool(threads: min(threads, Sequential.shardCount))
        targets = model.replicas.map { FloatBuffer(count: $0.maxBatch * dataset.targetShape.count) }
        shardSums = .allocate(capacity: Sequential.shardCount * (1 + experiment.train.metrics.count))
    }

    deinit { shardSums.deallocate() }

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
    /// called after each batch, and `stopRequested` before each (true abandons the epoch).
    public func trainEpoch(_ epoch: Int, stopRequested: () -> Bool = { false },
                           onBatch: (Int, Double) -> Void = { _, _ in }) throws -> Evaluation {
        let rows = order(epoch: epoch)
        var totals = [Double](repeating: 0, count: sumsPerShard)
        let lossElements = Double(dataset.targetShape.count)
        var seen = 0
        try rows.withUnsafeBufferPointer { all in
            var step = 0
            for start in stride(from: 0, to: all.count, by: batchSize) {
                if stopRequested() { throw TrainingStopped(epoch: epoch) }
                step += 1
                let batch = UnsafeBufferPointer(rebasing: all[start..<min(start + batchSize, all.count)])
                let sums = runShards(batch, training: (epoch, step))
                let loss = sums[0] / (Double(batch.count) * lossElements)
                guard loss.isFinite else { throw NonFiniteLossError(epoch: epoch, batch: step, value: loss) }
                updateParameters(batch: batch.count)
                for i in totals.indices { totals[i] += sums[i] }
                seen += batch.count
                onBatch(step, totals[0] / (Double(seen) * lossElements))
            }
        }
        return means(totals, samples: seen)
    }

    /// Sums the shards' gradients, clips them and takes one optimizer step, each thread on its own slice
    /// of the parameters: every value gets the same operations in the same order on any number of
    /// threads. clipnorm's per-tensor norms are summed whole, in order, between the sum and the update.
    private func updateParameters(batch: Int) {
        let step = optimizer.beginStep()  // once per batch: the count and rate that schedules read
        let w = model.parameters.pointer, g = model.gradients.pointer, count = model.parameterCount
        if optimizer.clipping.isElementWise {
            pool.runSlices(of: count) { [model, optimizer] range in
                model.reduceGradients(batch: batch, range: range)
                optimizer.clip(g, range: range)
                optimizer.apply(step, w, g, range: range)
            }
        } else {
            pool.runSlices(of: count) { [model] range in model.reduceGradients(batch: batch, range: range) }
            optimizer.clip(g)
            pool.runSlices(of: count) { [optimizer] range in optimizer.apply(step, w, g, range: range) }
        }
    }

    /// The loss and metrics of the current weights on a split.
    public func evaluate(_ split: SplitName) -> Evaluation {
        let rows = Array(dataset.indices(of: split))
        guard !rows.isEmpty else { return Evaluation(loss: .nan, metrics: experiment.train.metrics.map { _ in .nan }) }
        var totals = [Double](repeating: 0, count: sumsPerShard)
        rows.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: evaluationBatchSize) {
                let sums = runShards(UnsafeBufferPointer(rebasing: all[start..<min(start + evaluationBatchSize, all.count)]), training: nil)
                for i in totals.indices { totals[i] += sums[i] }
            }
        }
        return means(totals, samples: rows.count)
    }

    /// Runs forward (and, when training batch `training.step` of `training.epoch`, loss gradient and
    /// backward) for each shard of a batch; returns the loss sum then the metric sums, added in shard order.
    private func runShards(_ rows: UnsafeBufferPointer<Int>, training: (epoch: Int, step: Int)?) -> [Double] {
        let batch = rows.count, stride = sumsPerShard, sums = shardSums, seed = experiment.seed
        let shape = model.outputShape
        let loss = experiment.train.loss, metrics = experiment.train.metrics
        let scale = 1 / Float(batch * shape.count)
        pool.run(Sequential.shardCount) { [model, dataset, targets] shard in
            let range = Sequential.shardRows(shard, batch: batch)
            let out = sums + shard * stride
            guard !range.isEmpty else {
                out.update(repeating: 0, count: stride)
                return
            }
            let replica = model.replicas[shard], y = targets[shard].pointer
            dataset.fillBatch(rows: UnsafeBufferPointer(rebasing: rows[range]), inputs: replica.input.pointer, targets: y)
            replica.setMode(training.map { .training(TrainingStep(seed: seed, epoch: $0.epoch, batch: $0.step, shard: shard)) } ?? .inference)
            let prediction = replica.forward(batch: range.count)
            out[0] = loss.sum(prediction: prediction, target: y, count: range.count * shape.count,
                              gradient: training != nil ? replica.outputGradient : nil, scale: scale)
            for (m, metric) in metrics.enumerated() {
                out[1 + m] = metric.sum(prediction: prediction, target: y, shape: shape, batch: range.count)
            }
            if training != nil { replica.backward(batch: range.count) }
        }
        var total = [Double](repeating: 0, count: stride)
        for shard in 0..<Sequential.shardCount {
            for i in 0..<stride { total[i] += sums[shard * stride + i] }
        }
        return total
    }

    /// Turns loss and metric sums over `samples` samples into means.
    private func means(_ totals: [Double], samples: Int) -> Evaluation {
        let shape = model.outputShape
        let metrics = experiment.train.metrics
        return Evaluation(loss: totals[0] / (Double(samples) * Double(shape.count)),
                          metrics: metrics.enumerated().map { totals[1 + $0] / (Double(samples) * Double($1.elementsPerSample(shape))) })
    }

    /// The naive baseline (repeat the last input value) on a split.
    public static func naive(dataset: Dataset, experiment: Experiment, split: SplitName) -> Evaluation {
        let rows = Array(dataset.indices(of: split))
        let metrics = experiment.train.metrics
        guard !rows.isEmpty else { return Evaluation(loss: .nan, metrics: metrics.map { _ in .nan }) }
        let shape = dataset.targetShape, batchSize = 256
        let targets = FloatBuffer(count: batchSize * shape.count)
        let prediction = FloatBuffer(count: batchSize * shape.count)
        let inputs = FloatBuffer(count: batchSize * dataset.inputShape.count)
        var loss = 0.0
        var metricSums = [Double](repeating: 0, count: metrics.count)
        rows.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: batchSize) {
                let batch = UnsafeBufferPointer(rebasing: all[start..<min(start + batchSize, all.count)])
                dataset.fillBatch(rows: batch, inputs: inputs.pointer, targets: targets.pointer)
                dataset.fillNaivePrediction(rows: batch, prediction: prediction.pointer)
                loss += experiment.train.loss.sum(prediction: prediction.pointer, target: targets.pointer,
                                                  count: batch.count * shape.count, gradient: nil, scale: 0)
                for (m, metric) in metrics.enumerated() {
                    metricSums[m] += metric.sum(prediction: prediction.pointer, target: targets.pointer, shape: shape, batch: batch.count)
                }
            }
        }
        let n = Double(rows.count)
        return Evaluation(loss: loss / (n * Double(shape.count)),
                          metrics: metrics.enumerated().map { metricSums[$0] / (n * Double($1.elementsPerSample(shape))) })
    }
}
