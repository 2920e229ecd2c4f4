import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// The keys of the experiment file's fixed sections, described once: the parser checks a file's
/// keys against these names, and the JSON Schema, `seqtrain help config` and `seqtrain init` describe
/// them from the same lists (the layers, optimizers, schedules and callbacks describe their own options).
public enum ExperimentKeys {
    /// The top level.
    public static let root: [OptionSpec] = [
        OptionSpec("name", .string, "The run's name: its folder under runs/ (default: the file's name without .yaml)."),
        .int("seed", in: 0...Int(UInt32.max), default: 42, "The seed of the data, the initial weights and the shuffling."),
        OptionSpec("data", .mapping, "Where the series comes from, how it is cut into windows and split."),
        OptionSpec("model", .mapping, required: true, "The layers, in order (a list of {Type: {options}}), or naive."),
        OptionSpec("train", .mapping, "The epochs, batch size, loss, optimizer, metrics and callbacks."),
        OptionSpec("sweep", .mapping, "Values to sweep (seqtrain sweep): a grid of path: [values], or a method block."),
    ]

    /// `data:`.
    public static let data: [OptionSpec] = [
        OptionSpec("source", .mapping, default: "{generator: sine, series: 10000}",
                   "The series: {generator: sine, series: N} or {csv: FILE, columns: [NAME, ...]}."),
        .int("window", in: 1...100_000, default: 50, "The input steps of one sample."),
        .choice("target", TargetKind.allCases.map(\.rawValue), default: "next",
                "next: the value after the window; vector: the horizon values after it; sequence: at every step, the horizon values after it."),
        OptionSpec("horizon", .integer, minimum: 1, maximum: 100_000,
                   "The steps ahead a sample's target spans (must be 1 for target next; default 1 for next, 10 for vector and sequence)."),
        OptionSpec("split", .mapping, "Series (generator) or windows (CSV) per split: counts, or fractions like 0.7."),
        .int("stride", in: 1...100_000, default: 1, "CSV: the steps between the starts of two windows."),
        .bool("standardize", default: false, "CSV: scale each column to mean 0 and standard deviation 1 on the train split."),
    ]

    /// `data.source` with a generator.
    public static let generatorSource: [OptionSpec] = [
        .choice("generator", ["sine"], default: "sine", "The chapter's synthetic series: two sines plus noise."),
        .int("series", in: 1...10_000_000, default: 10_000, "How many series to generate."),
    ]

    /// `data.source` with a CSV file.
    public static let csvSource: [OptionSpec] = [
        OptionSpec("csv", .string, required: true, "The CSV file, relative to the current directory unless absolute."),
        OptionSpec("columns", .list(.string), required: true, "The columns fed to the model."),
        OptionSpec("targets", .list(.string), "The columns predicted (default: every input column)."),
        OptionSpec("time_column", .string, "A date or time column, for the plots (not fed to the model)."),
    ]

    /// `data.split`.
    public static let split: [OptionSpec] = [
        OptionSpec("train", .number, required: true, minimum: 0, exclusiveMinimum: true, "The training series or windows: a count, or a fraction in (0, 1]."),
        OptionSpec("valid", .number, required: true, minimum: 0, exclusiveMinimum: true, "The validation series or windows."),
        OptionSpec("test", .number, default: "0", minimum: 0, "The test series or windows."),
    ]

    /// `train:`.
    public static let train: [OptionSpec] = [
        .int("epochs", in: 1...1_000_000, default: 20, "Passes over the training split."),
        .int("batch_size", in: 1...10_000_000, default: 32, "Samples per gradient step."),
        .bool("shuffle", default: true, "Shuffle the training samples every epoch."),
        OptionSpec("loss", .choice(LossConfig.names), default: "mse", "The loss: mse, mae, or huber ({name: huber, delta: 1.0})."),
        OptionSpec("optimizer", .mapping, default: "adam", "The optimizer: a name, or {name: NAME, learning_rate: ..., ...}."),
        OptionSpec("metrics", .list(.choice(MetricKind.allCases.map(\.rawValue))), default: "[]", "Extra columns of history.csv."),
        OptionSpec("callbacks", .list(.mapping), default: "[]", "Callbacks after each epoch: EarlyStopping, ReduceLROnPlateau."),
        .bool("tensorboard", default: true, "Write TensorBoard event files into the run folder."),
    ]

    /// `sweep:` with a method.
    public static let sweep: [OptionSpec] = [
        .choice("method", SweepSpec.Method.allCases.map(\.rawValue), default: "grid",
                "grid: every combination; random: trials draws; halving: successive halving over either."),
        .int("trials", in: 1...SweepGrid.maxPoints, default: nil, "Random points to draw (method random, or halving over draws)."),
        .int("seed", in: 0...Int(UInt32.max), default: 0, "The seed of the draws."),
        OptionSpec("parameters", .mapping, required: true, "Config paths and their values ([v1, v2]) or distributions ({log_uniform: [lo, hi]})."),
        OptionSpec("halving", .mapping, "Successive halving: {metric: val_loss, min_epochs: 2, eta: 3}."),
    ]

    /// `sweep.halving`.
    public static let halving: [OptionSpec] = [
        OptionSpec("metric", .string, default: "val_loss", "The history column that ranks the points."),
        .int("min_epochs", in: 1...1_000_000, default: 1, "The epochs of the first rung."),
        .int("eta", in: 2...1000, default: 3, "Keep one point in eta at each rung, which trains eta times longer."),
    ]
}
