import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel
import SeqTrainOptimizers

/// A callback of `train.callbacks`: how the file writes it (`CallbackConfig`) and the epoch
/// observer that carries it out. Adding one is a file with a type conforming to this protocol,
/// plus one line in `CallbackCatalog.standard`.
public protocol Callback: CallbackConfig {
    /// The observer for one run. `key` prefixes its checkpoint entries (`callbacks.<index>`, unique
    /// per item), `columns` is the history header its monitor indexes, `output` the run's console.
    func makeObserver(key: String, columns: [String], output: @escaping (String) -> Void) -> any EpochObserver
}

extension CallbackCatalog {
    /// Every callback seqtrain ships.
    public static let standard = CallbackCatalog([
        EarlyStopping.self,
        ReduceLROnPlateau.self,
    ])
}

extension Vocabulary {
    /// Everything seqtrain ships: its layers, optimizers and callbacks.
    public static let standard = Vocabulary(layers: .standard, optimizers: .standard, callbacks: .standard)

    /// A vocabulary of these layers and optimizers, and the standard callbacks.
    public init(layers: LayerCatalog = .standard, optimizers: OptimizerCatalog = .standard) {
        self.init(layers: layers, optimizers: optimizers, callbacks: .standard)
    }
}

extension ExperimentParser {
    /// Reads and parses the experiment file at `path` with everything seqtrain ships.
    public static func load(path: String, overrides: [Override] = []) throws -> Experiment {
        try load(path: path, overrides: overrides, vocabulary: .standard)
    }

    /// Parses experiment YAML text with everything seqtrain ships; `file` is used in messages,
    /// `defaultName` when `name:` is absent.
    public static func parse(yaml: String, file: String, defaultName: String = "experiment", overrides: [Override] = []) throws -> Experiment {
        try parse(yaml: yaml, file: file, defaultName: defaultName, overrides: overrides, vocabulary: .standard)
    }
}

/// A callback type registered in a catalog without the `Callback` protocol: it can be parsed but not run.
public struct CallbackWithoutObserver: Error, CustomStringConvertible {
    /// The callback's name.
    public var name: String
    /// What a user should read.
    public var description: String { "callback \(name) has no observer (its type does not conform to Callback)" }
}

/// The observers of an experiment's callbacks, in the order of `train.callbacks`.
public func callbackObservers(_ train: TrainConfig, output: @escaping (String) -> Void) throws -> [any EpochObserver] {
    try train.callbacks.enumerated().map { index, config in
        guard let callback = config as? any Callback else { throw CallbackWithoutObserver(name: config.name) }
        return callback.makeObserver(key: "callbacks.\(index)", columns: train.historyColumns, output: output)
    }
}

/// How Keras's monitoring callbacks judge a history column (`MonitorCallback._is_improvement`):
/// `current - min_delta` against the reference, `min_delta` counted towards "better". Keras
/// subtracts in double precision (Python floats) and compares float32 tensors (`ops.less`), and so
/// does this, so that the same values give the same decisions.
public struct Monitor: Equatable, Sendable {
    /// The column's index in a history row.
    public let column: Int
    /// Whether lower values are better (mode min, or auto on a loss or error metric).
    public let lowerIsBetter: Bool
    /// `min_delta`, signed towards better: the amount subtracted from the current value.
    public let signedDelta: Double

    /// A monitor of `name` among `columns` (which holds it: the parser checked it).
    public init(name: String, mode: MonitorMode, minDelta: Double, columns: [String]) {
        column = columns.firstIndex(of: name) ?? 0
        // auto: the loss and every seqtrain metric are errors; `lr` needs an explicit mode (checked when parsed).
        lowerIsBetter = mode != .max
        signedDelta = lowerIsBetter ? -abs(minDelta) : abs(minDelta)
    }

    /// The monitored value of an epoch.
    public func value(_ record: EpochRecord) -> Float { Float(record.historyRow[column]) ?? .nan }

    /// Whether `current` improves on `reference` (always, when there is none yet).
    public func isImprovement(_ current: Float, over reference: Float?) -> Bool {
        guard let reference else { return true }
        let shifted = Float(Double(current) - signedDelta)
        return lowerIsBetter ? shifted < reference : shifted > reference
    }
}

/// Reading and writing observer state as checkpoint metadata entries under a key prefix.
struct ObserverState {
    /// `callbacks.<index>.<name>`: the prefix of every entry.
    let key: String

    /// An integer entry, refused when missing or malformed.
    func int(_ name: String, in metadata: [String: String]) throws -> Int {
        guard let text = metadata["\(key).\(name)"], let value = Int(text), value >= 0 else {
            throw ObserverStateError(description: "the checkpoint's \(key).\(name) is "
                + (metadata["\(key).\(name)"].map { "'\($0.prefix(40))'" } ?? "missing") + ", not a count")
        }
        return value
    }

    /// An epoch entry or a count of epochs: at most the checkpoint's own `epoch` (more names weights
    /// never trained, or epochs never counted), refused otherwise.
    func epoch(_ name: String, in metadata: [String: String]) throws -> Int {
        let value = try int(name, in: metadata)
        guard let last = metadata["epoch"].flatMap({ Int($0) }), value <= last else {
            throw ObserverStateError(description: "the checkpoint's \(key).\(name) is \(value), "
                + "more than the checkpoint's epoch \(metadata["epoch"].map { "\($0.prefix(40))" } ?? "(missing)")")
        }
        return value
    }

    /// A finite float entry or `none`, refused when missing or malformed (a monitored value is
    /// always finite: training ends on a non-finite loss; nan or inf here would never be improved on).
    func optionalFloat(_ name: String, in metadata: [String: String]) throws -> Float? {
        guard let text = metadata["\(key).\(name)"], text == "none" || Float(text)?.isFinite == true else {
            throw ObserverStateError(description: "the checkpoint's \(key).\(name) is "
                + (metadata["\(key).\(name)"].map { "'\($0.prefix(40))'" } ?? "missing") + ", not a finite number or none")
        }
        return Float(text)
    }

    /// The entry of an optional float.
    func entry(_ name: String, _ value: Float?) -> (String, String) { ("\(key).\(name)", value.map { "\($0)" } ?? "none") }
}
