import SeqTrainConfig
import SeqTrainCore

/// Keras's `ReduceLROnPlateau`: multiplies the learning rate by `factor` (not below `min_lr`) when
/// the monitored history column has not improved for `patience` epochs, then waits `cooldown`
/// epochs before counting again. The rate is the optimizer's, kept in every checkpoint; a scheduled
/// rate cannot be changed (Keras refuses too), so the parser refuses the pair.
///
/// Keras 3.15's decisions, epoch by epoch: in cooldown, count it down and clear the count; on an
/// improvement keep it and clear the count; otherwise, out of cooldown, count, and at `patience`
/// reduce the rate if it is above `min_lr` (float32, as Keras's rate variable), start the cooldown
/// and clear the count.
public struct ReduceLROnPlateau: Callback {
    /// The history column watched.
    public var monitor = "val_loss"
    /// The rate is multiplied by this (between 0 and 1).
    public var factor = 0.1
    /// Epochs without improvement before reducing.
    public var patience = 10
    /// 1: say when the rate is reduced.
    public var verbose = 0
    /// Whether lower or higher is better.
    public var mode = MonitorMode.auto
    /// The smallest change that counts as an improvement.
    public var minDelta = 1e-4
    /// Epochs after a reduction before counting again.
    public var cooldown = 0
    /// The rate is never reduced below this.
    public var minLR = 0.0

    /// ReduceLROnPlateau with Keras's defaults.
    public init() {}

    public static let name = "ReduceLROnPlateau"
    public static let optionKeys = ["monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown", "min_lr"]

    public static func parse(_ options: inout CallbackOptions) -> ReduceLROnPlateau? {
        var plateau = ReduceLROnPlateau()
        let monitor = options.monitor()
        let factor = options.double("factor", default: 0.1, requirement: "between 0 and 1 (exclusive)") { $0 > 0 && $0 < 1 }
        let patience = options.int("patience", default: 10, in: 0...1_000_000)
        let verbose = options.int("verbose", default: 0, in: 0...1)
        let minDelta = options.double("min_delta", default: 1e-4, requirement: "at least 0") { $0 >= 0 }
        let cooldown = options.int("cooldown", default: 0, in: 0...1_000_000)
        let minLR = options.double("min_lr", default: 0, requirement: "at least 0") { $0 >= 0 }
        if options.context.learningRateIsScheduled {
            options.error("\(options.path) sets the learning rate, but train.optimizer.learning_rate is a schedule "
                + "(Keras refuses to set a scheduled rate too)",
                related: [("train.optimizer.learning_rate", options.context.learningRateNode)], suggestion: "use a constant learning_rate, or drop ReduceLROnPlateau")
            return nil
        }
        guard let monitor, let factor, let patience, let verbose, let minDelta, let cooldown, let minLR else { return nil }
        (plateau.monitor, plateau.mode, plateau.factor, plateau.patience) = (monitor.column, monitor.mode, factor, patience)
        (plateau.verbose, plateau.minDelta, plateau.cooldown, plateau.minLR) = (verbose, minDelta, cooldown, minLR)
        return plateau
    }

    public var options: [(key: String, value: String)] {
        [("monitor", YAMLText.string(monitor)), ("factor", YAMLText.number(factor)), ("patience", "\(patience)"),
         ("verbose", "\(verbose)"), ("mode", mode.rawValue), ("min_delta", YAMLText.number(minDelta)),
         ("cooldown", "\(cooldown)"), ("min_lr", YAMLText.number(minLR))]
    }

    public func makeObserver(key: String, columns: [String], output: @escaping (String) -> Void) -> any EpochObserver {
        ReduceLROnPlateauObserver(self, key: key, columns: columns, output: output)
    }
}

/// ReduceLROnPlateau during one run; its counters and best value go into every checkpoint (the
/// rate itself is the optimizer's, which checkpoints keep too).
final class ReduceLROnPlateauObserver: EpochObserver {
    let config: ReduceLROnPlateau
    let monitor: Monitor
    let state: ObserverState
    let output: (String) -> Void
    /// Epochs counted without improvement (Keras's `wait`).
    private(set) var wait = 0
    /// Epochs of cooldown left (Keras's `cooldown_counter`).
    private(set) var cooldownLeft = 0
    /// The best monitored value so far; nil before the first epoch.
    private(set) var best: Float?

    init(_ config: ReduceLROnPlateau, key: String, columns: [String], output: @escaping (String) -> Void) {
        self.config = config
        monitor = Monitor(name: config.monitor, mode: config.mode, minDelta: config.minDelta, columns: columns)
        state = ObserverState(key: key)
        self.output = output
    }

    func checkpointState() -> [String: String] {
        Dictionary(uniqueKeysWithValues: [("\(state.key).wait", "\(wait)"), ("\(state.key).cooldown_counter", "\(cooldownLeft)"),
                                          state.entry("best", best)])
    }

    func restore(from metadata: [String: String]) throws {
        (wait, cooldownLeft, best) = (try state.epoch("wait", in: metadata), try state.int("cooldown_counter", in: metadata),
                                      try state.optionalFloat("best", in: metadata))
        guard cooldownLeft <= config.cooldown else {
            throw ObserverStateError(description: "the checkpoint's \(state.key).cooldown_counter is \(cooldownLeft), more than cooldown \(config.cooldown)")
        }
    }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        let current = monitor.value(record)
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            wait = 0
        }
        if monitor.isImprovement(current, over: best) {
            (best, wait) = (current, 0)
        } else if cooldownLeft == 0 {
            wait += 1
            if wait >= config.patience && reduce(loop.trainer.optimizer.learningRate, epoch: record.epoch, loop: loop) {
                (cooldownLeft, wait) = (config.cooldown, 0)
            }
        }
        return .proceed
    }

    /// Keras's `_reduce_optimizer_lr`: the rate is read as float32, multiplied in double, kept at
    /// or above `min_lr`, and stored as float32; nothing happens at or below `min_lr`.
    private func reduce(_ rate: Double, epoch: Int, loop: TrainingLoop) -> Bool {
        let old = Double(Float(rate))
        guard Float(old) > Float(config.minLR) else { return false }
        let new = max(old * config.factor, config.minLR)
        loop.trainer.optimizer.setLearningRate(Double(Float(new)))
        if config.verbose > 0 { output("Epoch \(epoch): ReduceLROnPlateau reducing learning rate to \(new).\n") }
        return true
    }
}

extension ReduceLROnPlateau {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("monitor", .string, default: "val_loss", "The history column watched, e.g. val_loss or loss."),
        OptionSpec("factor", .number, default: "0.1", minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true, "The factor the rate is multiplied by."),
        .int("patience", in: 0...1_000_000, default: 10, "Epochs without improvement before the rate is reduced."),
        .int("verbose", in: 0...1, default: 0, "1: print a line when the callback acts."),
        .choice("mode", MonitorMode.allCases.map(\.rawValue), default: "auto", "Whether lower (min) or higher (max) is better; auto: from the column."),
        OptionSpec("min_delta", .number, default: "0.0001", minimum: 0, "The smallest change that counts as an improvement."),
        .int("cooldown", in: 0...1_000_000, default: 0, "Epochs to wait after a reduction."),
        OptionSpec("min_lr", .number, default: "0", minimum: 0, "The rate is never reduced below this."),
    ]
}
