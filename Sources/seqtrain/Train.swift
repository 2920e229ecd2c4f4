import ArgumentParser
import SeqTrain

/// `seqtrain [train] CONFIG`: check, build, train and write a new run.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the experiment of a YAML file into a new run folder (the default command).",
        discussion: "Example: seqtrain configs/seq2seq.yaml --set train.optimizer.learning_rate=0.005 --threads 2")

    @Argument(help: "The experiment file, e.g. configs/seq2seq.yaml.", completion: .file(extensions: ["yaml", "yml"]))
    var config: String

    @Option(name: .customLong("runs-dir"), help: "Where run folders go.", completion: .directory)
    var runsDir: String = "runs"

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var overrides: OverrideOptions

    func run() throws {
        try withErrorReporting {
            try checkFolderArgument(runsDir, option: "--runs-dir")
            let overrides = try overrides.parsed()
            let experiment = try ExperimentParser.load(path: config, overrides: overrides)
            if !(try ExperimentParser.sweepAxes(path: config)).isEmpty {
                Console.standardOutput.write("note: \(config) has a sweep: block; this trains its base values once "
                    + "(seqtrain sweep \(config) runs the grid)\n")
            }
            try TrainingRun.train(experiment, source: config, overrides: overrides, runsDir: runsDir, threads: threading.threads,
                                  console: .standardOutput)
        }
    }
}

/// `seqtrain check CONFIG`: validate and print the model summary, train nothing.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate an experiment file and print its model; train nothing.",
        discussion: "Example: seqtrain check configs/nino12.yaml --set data.window=36")

    @Argument(help: "The experiment file.", completion: .file(extensions: ["yaml", "yml"]))
    var config: String

    @OptionGroup var overrides: OverrideOptions

    func run() throws {
        try withErrorReporting {
            let experiment = try ExperimentParser.load(path: config, overrides: try overrides.parsed())
            let data = experiment.data
            let dataset = try Dataset(config: data, seed: experiment.seed)
            print("\(config): ok")
            print(dataset.summary)
            if let spec = try ExperimentParser.sweepSpec(path: config) {
                // Every point parsed and checked, as `seqtrain sweep` does before it runs anything.
                _ = try SweepPlan.make(configFile: config, gridArguments: [], baseOverrides: try overrides.parsed(), runsDir: "runs")
                print(Self.describe(spec, epochs: experiment.train.epochs, config: config))
            }
            switch experiment.model {
            case .naive:
                print("model: naive (repeat the last input value; nothing to train)")
            case .layers(let layers):
                let model = Sequential(layers, inputShape: data.inputShape, maxBatch: 1)
                print(model.summary(title: experiment.name))
                if let steps = data.targetSteps { print(StepAlignment.summary(steps, inputSteps: data.window)) }
            }
        }
    }
}

extension Check {
    /// What `seqtrain sweep` would run: the grid, or the distributions, and the halving rungs.
    static func describe(_ spec: SweepSpec, epochs: Int, config: String) -> String {
        var lines: [String]
        if spec.isRandom {
            lines = ["sweep: \(spec.method.rawValue), \(spec.pointCount) random points (seed \(spec.seed)) over:"]
                + spec.parameters.map { "  \($0.path): \($0.distribution)" }
        } else {
            let axes = spec.gridAxes
            lines = ["sweep: " + (spec.method == .halving ? "halving over " : "") + "\(spec.pointCount) runs over "
                + axes.map { "\($0.path) (\($0.values.count))" }.joined(separator: " x ")]
        }
        if let halving = spec.halving {
            var count = spec.pointCount
            let rungs = halving.budgets(epochs: epochs).map { budget -> String in
                defer { count = halving.survivors(of: count) }
                return "\(count) to epoch \(budget)"
            }
            lines.append("halving by \(halving.metric), eta \(halving.eta): rungs " + rungs.joined(separator: ", then "))
        }
        lines[lines.count - 1] += "; run them with seqtrain sweep \(config)"
        return lines.joined(separator: "\n")
    }
}

/// `seqtrain eval RUN_DIR`: the loss and metrics of a run's checkpoint on a split.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a run's checkpoint on a split.",
        discussion: "Example: seqtrain eval runs/seq2seq/20261129T120000Z --split test --checkpoint last")

    @Argument(help: "A run folder, e.g. runs/seq2seq/20261129T120000Z.", completion: .directory)
    var runDir: String

    @Option(help: "The split to evaluate: valid or test.")
    var split: SplitChoice = .valid

    @Option(help: "Which checkpoint: best or last.")
    var checkpoint: CheckpointChoice = .best

    @Option(help: "Forecast this many steps ahead on the validation split and report the error per step (the chapter's methods 1-3).")
    var steps: Int?

    func validate() throws {
        if let steps, !(1...Forecaster.maxRequestedSteps).contains(steps) {
            throw ValidationError("--steps must be between 1 and \(Forecaster.maxRequestedSteps)")
        }
        if steps != nil, split != .valid { throw ValidationError("--steps evaluates on the validation split") }
    }

    func run() throws {
        try withErrorReporting {
            if let steps {
                let result = try TrainingRun.evaluateSteps(run: runDir, steps: steps, checkpoint: checkpoint.rawValue)
                print("valid, \(steps) step\(steps == 1 ? "" : "s") ahead (\(result.method), \(checkpoint.rawValue) checkpoint):")
                // For a CSV series, each target's RMSE in its own units follows the (standardised) MSE.
                let unitHeaders = result.inUnits.flatMap { ["rmse \($0.column)", "naive rmse \($0.column)"] }
                let widths = unitHeaders.map { max($0.count, 10) }
                func row(_ label: String, _ mse: Double, _ naive: Double, _ units: [Double]) -> String {
                    label.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + String(format: "%.6f    %-9.6f", mse, naive)
                        + zip(units, widths).map { "  " + String(format: "%#.4g", $0).padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
                }
                print(("step  mse         naive mse" + zip(unitHeaders, widths).map { "  " + $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined())
                    .trimmingTrailingSpaces)
                for k in 0..<steps {
                    print(row(String(k + 1), result.perStep[k], result.naivePerStep[k],
                              result.inUnits.flatMap { [$0.perStep[k], $0.naivePerStep[k]] }).trimmingTrailingSpaces)
                }
                print(row("all", result.overall, result.naiveOverall, result.inUnits.flatMap { [$0.overall, $0.naiveOverall] }).trimmingTrailingSpaces)
                return
            }
            let (experiment, evaluation) = try TrainingRun.evaluate(run: runDir, split: split.split, checkpoint: checkpoint.rawValue)
            var line = "\(split.rawValue) (\(experiment.model == .naive ? "naive" : checkpoint.rawValue + " checkpoint")): "
                + "loss: \(ProgressLine.figure(evaluation.loss))"
            for (metric, value) in zip(experiment.train.metrics, evaluation.metrics) {
                line += " - \(metric.rawValue): \(ProgressLine.figure(value))"
            }
            print(line)
        }
    }
}

/// The splits `eval` accepts.
enum SplitChoice: String, ExpressibleByArgument, CaseIterable {
    case valid, test
    var split: SplitName { self == .valid ? .valid : .test }
}

/// The checkpoints `eval` accepts.
enum CheckpointChoice: String, ExpressibleByArgument, CaseIterable {
    case best, last
}

extension String {
    /// The text without trailing spaces (the last padded column).
    var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
