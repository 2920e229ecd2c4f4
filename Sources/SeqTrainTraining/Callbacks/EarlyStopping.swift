import SeqTrainConfig
import SeqTrainCore

/// Keras's `EarlyStopping`: ends training when the monitored history column has not improved for
/// `patience` epochs, and with `restore_best_weights` puts the best epoch's weights back at the end
/// of training, whether it stopped early or ran every epoch (keras#12511 is fixed here too).
///
/// Keras 3.15's decisions, epoch by epoch (epochs before `start_from_epoch` are skipped): count the
/// epoch; on an improvement over the best so far, keep it (and the weights), and restart the count
/// unless `baseline` is set and not beaten; otherwise stop once the count reaches `patience`, never
/// after the first epoch.
public struct EarlyStopping: Callback {
    /// The history column watched.
    public var monitor = "val_loss"
    /// The smallest change that counts as an improvement.
    public var minDelta = 0.0
    /// Epochs without improvement before stopping.
    public var patience = 0
    /// Whether lower or higher is better.
    public var mode = MonitorMode.auto
    /// A value the monitor must beat before the count restarts; nil: none.
    public var baseline: Double?
    /// Put the best epoch's weights back at the end of training.
    public var restoreBestWeights = false
    /// Epochs to train before watching.
    public var startFromEpoch = 0
    /// 1: say when training stops and which weights are restored.
    public var verbose = 0

    /// EarlyStopping with Keras's defaults.
    public init() {}

    public static let name = "EarlyStopping"
    public static let optionKeys = ["monitor", "min_delta", "patience", "verbose", "mode", "baseline", "restore_best_weights", "start_from_epoch"]

    public static func parse(_ options: inout CallbackOptions) -> EarlyStopping? {
        var stopping = EarlyStopping()
        let monitor = options.monitor()
        let minDelta = options.double("min_delta", default: 0, requirement: "at least 0") { $0 >= 0 }
        let patience = options.int("patience", default: 0, in: 0...1_000_000)
        let verbose = options.int("verbose", default: 0, in: 0...1)
        let baseline = options.optionalDouble("baseline")
        let restore = options.bool("restore_best_weights", default: false)
        let start = options.int("start_from_epoch", default: 0, in: 0...1_000_000)
        guard let monitor, let minDelta, let patience, let verbose, let baseline, let restore, let start else { return nil }
        (stopping.monitor, stopping.mode, stopping.minDelta, stopping.patience) = (monitor.column, monitor.mode, minDelta, patience)
        (stopping.verbose, stopping.baseline, stopping.restoreBestWeights, stopping.startFromEpoch) = (verbose, baseline, restore, start)
        return stopping
    }

    public var options: [(key: String, value: String)] {
        [("monitor", YAMLText.string(monitor)), ("min_delta", YAMLText.number(minDelta)), ("patience", "\(patience)"),
         ("verbose", "\(verbose)"), ("mode", mode.rawValue), ("baseline", baseline.map(YAMLText.number) ?? "null"),
         ("restore_best_weights", "\(restoreBestWeights)"), ("start_from_epoch", "\(startFromEpoch)")]
    }

    public func makeObserver(key: String, columns: [String], output: @escaping (String) -> Void) -> any EpochObserver {
        EarlyStoppingObserver(self, key: key, columns: columns, output: output)
    }
}

/// EarlyStopping during one run; its counters, best value and best weights go into every checkpoint.
final class EarlyStoppingObserver: EpochObserver {
    let config: EarlyStopping
    let monitor: Monitor
    let state: ObserverState
    let output: (String) -> Void
    /// Epochs counted since the last improvement (Keras's `wait`).
    private(set) var wait = 0
    /// The best monitored value so far; nil before the first watched epoch.
    private(set) var best: Float?
    /// The epoch (from 1) of `best`, or of the weights kept when none improved yet; 0 before any.
    private(set) var bestEpoch = 0
    /// A copy of the parameters after `bestEpoch`, when `restore_best_weights`.
    private(set) var bestWeights: [Float]?

    init(_ config: EarlyStopping, key: String, columns: [String], output: @escaping (String) -> Void) {
        self.config = config
        monitor = Monitor(name: config.monitor, mode: config.mode, minDelta: config.minDelta, columns: columns)
        state = ObserverState(key: key)
        self.output = output
    }

    func checkpointState() -> [String: String] {
        Dictionary(uniqueKeysWithValues: [("\(state.key).wait", "\(wait)"), state.entry("best", best), ("\(state.key).best_epoch", "\(bestEpoch)")])
    }

    func restore(from metadata: [String: String]) throws {
        (wait, best, bestEpoch) = (try state.epoch("wait", in: metadata), try state.optionalFloat("best", in: metadata),
                                   try state.epoch("best_epoch", in: metadata))
    }

    func checkpointParameters() -> [String: [Float]] {
        bestWeights.map { ["\(state.key).best_weights": $0] } ?? [:]
    }

    func restoreParameters(_ stored: (String) throws -> [Float]?) throws {
        bestWeights = config.restoreBestWeights ? try stored("\(state.key).best_weights") : nil
        if config.restoreBestWeights && bestEpoch > 0 && bestWeights == nil {
            throw ObserverStateError(description: "the checkpoint has no \(state.key).best_weights for EarlyStopping's best epoch \(bestEpoch)")
        }
    }

    func epochDidEnd(_ record: EpochRecord, loop: TrainingLoop) throws -> TrainingDecision {
        // Keras counts epochs from 0: its `epoch < start_from_epoch` and `epoch > 0` are these.
        guard record.epoch > config.startFromEpoch else { return .proceed }
        let current = monitor.value(record)
        if config.restoreBestWeights && bestWeights == nil {
            // Until an epoch improves, the first watched epoch's weights are the best.
            (bestWeights, bestEpoch) = (loop.trainer.model.parameters.array, record.epoch)
        }
        wait += 1
        if monitor.isImprovement(current, over: best) {
            (best, bestEpoch) = (current, record.epoch)
            if config.restoreBestWeights { bestWeights = loop.trainer.model.parameters.array }
            // Restart the count only on beating both the baseline and the best so far.
            if let baseline = config.baseline, !monitor.isImprovement(current, over: Float(baseline)) { return .proceed }
            wait = 0
            return .proceed
        }
        guard wait >= config.patience && record.epoch > 1 else { return .proceed }
        if config.verbose > 0 { output("Epoch \(record.epoch): early stopping\n") }
        return .stop(reason: "stopped early at epoch \(record.epoch) (best epoch \(bestEpoch), patience \(config.patience))")
    }

    func trainingDidEnd(loop: TrainingLoop) throws {
        guard config.restoreBestWeights, let bestWeights else { return }
        if config.verbose > 0 { output("Restoring model weights from the end of the best epoch: \(bestEpoch).\n") }
        loop.restoreWeights(bestWeights, fromEpoch: bestEpoch)
    }
}

extension EarlyStopping {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("monitor", .string, default: "val_loss", "The history column watched, e.g. val_loss or loss."),
        OptionSpec("min_delta", .number, default: "0", minimum: 0, "The smallest change that counts as an improvement."),
        .int("patience", in: 0...1_000_000, default: 0, "Epochs without improvement before training stops."),
        .int("verbose", in: 0...1, default: 0, "1: print a line when the callback acts."),
        .choice("mode", MonitorMode.allCases.map(\.rawValue), default: "auto", "Whether lower (min) or higher (max) is better; auto: from the column."),
        OptionSpec("baseline", .nullableNumber, default: "null", "A value the monitor must beat (null: none)."),
        .bool("restore_best_weights", default: false, "Restore the best epoch's weights when training stops."),
        .int("start_from_epoch", in: 0...1_000_000, default: 0, "Epochs to wait before watching."),
    ]
}
