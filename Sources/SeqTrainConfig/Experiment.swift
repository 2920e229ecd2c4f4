import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// One experiment file, fully resolved: every default filled in.
public struct Experiment: Equatable, Sendable {
    /// Runs go under `runs/<name>/`.
    public var name: String
    /// Data, initial weights and shuffling all derive from it.
    public var seed: UInt32
    /// Where the series come from and how they become samples.
    public var data: DataConfig
    /// The layer stack, or the naive last-value baseline.
    public var model: ModelConfig
    /// Epochs, batches, loss, optimizer and metrics.
    public var train: TrainConfig

    /// Creates an experiment.
    public init(name: String, seed: UInt32, data: DataConfig, model: ModelConfig, train: TrainConfig) {
        self.name = name
        self.seed = seed
        self.data = data
        self.model = model
        self.train = train
    }
}

/// How the data is made and cut into samples.
public struct DataConfig: Equatable, Sendable {
    /// The series source.
    public var source: DataSource
    /// Input steps per sample.
    public var window: Int
    /// What is predicted.
    public var target: TargetKind
    /// Steps predicted (1 for `next`).
    public var horizon: Int
    /// Sizes of the three splits: series of the generator, or time steps (rows) of a CSV file.
    public var split: Split
    /// Steps between the starts of consecutive samples cut from a CSV series.
    public var stride: Int
    /// Standardise every column with the mean and standard deviation of the training rows (CSV only).
    public var standardize: Bool
    /// For a sequence target, the input step whose targets each output step of the model is trained on,
    /// when the model shortens the sequence (a valid or strided Conv1D: the book's `Y[:, 3::2]`). Derived
    /// from the model by the parser (`StepAlignment`), never written to a file; nil: output step t
    /// is trained on the targets of step t.
    public var targetSteps: [Int]?

    /// Creates a data section.
    public init(source: DataSource, window: Int, target: TargetKind, horizon: Int, split: Split,
                stride: Int = 1, standardize: Bool = false) {
        self.source = source
        self.window = window
        self.target = target
        self.horizon = horizon
        self.split = split
        self.stride = stride
        self.standardize = standardize
    }

    /// Steps one sample spans: the window followed by the horizon.
    public var stepsPerSeries: Int { window + horizon }

    /// Values per input step: one for the generator, one per input column of a CSV file.
    public var features: Int {
        switch source {
        case .sine: return 1
        case .csv(let csv): return csv.columns.count
        }
    }

    /// Values predicted per step ahead: one per target column.
    public var targetFeatures: Int {
        switch source {
        case .sine: return 1
        case .csv(let csv): return csv.targets.count
        }
    }

    /// The shape of one input sample: `window` steps of `features` values.
    public var inputShape: TensorShape { .sequence(steps: window, features: features) }
}

/// Where the series come from.
public enum DataSource: Equatable, Sendable {
    /// The chapter's two-sine generator with `series` series.
    case sine(series: Int)
    /// One long series read from a CSV file, cut into overlapping windows.
    case csv(CSVSource)
}

/// A CSV file holding one series in time order: a header row, then one row per time step.
public struct CSVSource: Equatable, Sendable {
    /// The file, relative to the current directory unless absolute.
    public var path: String
    /// The columns fed to the model, in this order (the input features).
    public var columns: [String]
    /// The columns predicted, a subset of `columns` (default: all of them).
    public var targets: [String]
    /// A column of time stamps, checked to increase when they are numbers or ISO dates.
    public var timeColumn: String?

    /// Creates a CSV source; `targets` defaults to `columns`.
    public init(path: String, columns: [String], targets: [String]? = nil, timeColumn: String? = nil) {
        self.path = path
        self.columns = columns
        self.targets = targets ?? columns
        self.timeColumn = timeColumn
    }
}

/// The three kinds of target of the chapter.
public enum TargetKind: String, CaseIterable, Equatable, Sendable {
    /// The value after the window: `[N, 1]`.
    case next
    /// The `horizon` values after the window as one vector: `[N, horizon]`.
    case vector
    /// At every step t, the `horizon` values after t: `[N, window, horizon]`.
    case sequence
}

/// The size of one split: a count, or a fraction of the whole.
public enum SplitSize: Equatable, Sendable {
    /// So many series (generator) or rows (CSV).
    case count(Int)
    /// This fraction of the series or rows, between 0 and 1.
    case fraction(Double)
}

/// Sizes of the train, validation and test splits, taken in this order.
public struct Split: Equatable, Sendable {
    /// The first series or rows: what the model is fitted on.
    public var train: SplitSize
    /// Right after the training ones.
    public var valid: SplitSize
    /// Right after the validation ones.
    public var test: SplitSize

    /// Creates a split from sizes.
    public init(train: SplitSize, valid: SplitSize, test: SplitSize) {
        self.train = train
        self.valid = valid
        self.test = test
    }

    /// Creates a split from counts.
    public init(train: Int, valid: Int, test: Int) {
        self.init(train: .count(train), valid: .count(valid), test: .count(test))
    }

    /// The counts out of `total`. Fractions are rounded at their cumulative boundaries, so fractions
    /// summing to at most 1 never take more than `total`.
    public func counts(of total: Int) -> (train: Int, valid: Int, test: Int) {
        var boundary = 0, fractionSoFar = 0.0
        var result: [Int] = []
        for size in [train, valid, test] {
            switch size {
            case .count(let n):
                result.append(n)
                boundary += n
                fractionSoFar = Double(boundary) / Double(max(total, 1))
            case .fraction(let f):
                fractionSoFar += f
                let next = Int((fractionSoFar * Double(total)).rounded())
                result.append(max(0, next - boundary))
                boundary = max(boundary, next)
            }
        }
        return (result[0], result[1], result[2])
    }
}

/// The model: a layer stack or the last-value baseline.
public enum ModelConfig: Equatable, Sendable {
    /// Predict the last input value (no training).
    case naive
    /// A sequential stack of layers.
    case layers([any LayerConfig])

    public static func == (a: ModelConfig, b: ModelConfig) -> Bool {
        switch (a, b) {
        case (.naive, .naive): return true
        case (.layers(let x), .layers(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.isEqual(to: $1) }
        default: return false
        }
    }
}

/// How to train.
public struct TrainConfig: Equatable, Sendable {
    /// Passes over the training split.
    public var epochs: Int
    /// Samples per step; the last batch of an epoch may be smaller.
    public var batchSize: Int
    /// Reshuffle the training samples every epoch.
    public var shuffle: Bool
    /// The objective.
    public var loss: LossConfig
    /// The update rule.
    public var optimizer: OptimizerConfig
    /// Extra figures reported per epoch.
    public var metrics: [MetricKind]
    /// Gradient clipping applied before each update (written under `optimizer:` as Keras does).
    public var clipping: GradientClipping
    /// Write TensorBoard event files (`tensorboard/train`, `tensorboard/validation`) as training goes.
    public var tensorboard: Bool
    /// Told about every epoch, in order (early stopping, learning-rate plateaus); none by default.
    public var callbacks: [any CallbackConfig]

    /// Creates a training section.
    public init(epochs: Int = 20, batchSize: Int = 32, shuffle: Bool = true, loss: LossConfig = .mse,
                optimizer: OptimizerConfig = OptimizerConfig(AdamConfig()), metrics: [MetricKind] = [],
                clipping: GradientClipping = .none, tensorboard: Bool = true, callbacks: [any CallbackConfig] = []) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
        self.clipping = clipping
        self.tensorboard = tensorboard
        self.callbacks = callbacks
    }

    /// The columns of `history.csv`: `epoch,loss,<metrics>,val_loss,val_<metrics>,lr`, where `lr` is
    /// the learning rate at the end of the epoch.
    public var historyColumns: [String] { Self.historyColumns(metrics: metrics) }

    /// The columns of `history.csv` for these metrics.
    public static func historyColumns(metrics: [MetricKind]) -> [String] {
        let names = metrics.map(\.rawValue)
        return ["epoch", "loss"] + names + ["val_loss"] + names.map { "val_" + $0 } + ["lr"]
    }

    public static func == (a: TrainConfig, b: TrainConfig) -> Bool {
        a.epochs == b.epochs && a.batchSize == b.batchSize && a.shuffle == b.shuffle && a.loss == b.loss
            && a.optimizer == b.optimizer && a.metrics == b.metrics && a.clipping == b.clipping
            && a.tensorboard == b.tensorboard && a.callbacks.count == b.callbacks.count && zip(a.callbacks, b.callbacks).allSatisfy { $0.isEqual(to: $1) }
    }
}
