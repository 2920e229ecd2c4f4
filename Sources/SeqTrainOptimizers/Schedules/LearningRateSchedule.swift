import SeqTrainCore

/// One of Keras's learning-rate schedules (`keras.optimizers.schedules`): its name in the file, its
/// options, and the rate at each optimizer step. Adding a schedule is one file with a type
/// conforming to this protocol, plus one line in `LearningRate.schedules`.
///
/// The rate is computed in double precision from Keras's formula; the optimizers round it to
/// float32 where they use it, as Keras's float32 arithmetic does.
public protocol LearningRateSchedule: Equatable, Sendable {
    /// The value of `schedule:` (Keras's class name in snake case, e.g. `exponential_decay`).
    static var name: String { get }
    /// The option keys besides `schedule`.
    static var optionKeys: [String] { get }
    /// The options described for the JSON Schema and `seqtrain help config` (names equal `optionKeys`).
    static var optionSchema: [OptionSpec] { get }
    /// Reads the options; nil after reporting every problem to `options`.
    static func parse(_ options: inout ScheduleOptions) -> Self?
    /// The options as resolved YAML values, every default written out, in Keras's order.
    var options: [(key: String, value: String)] { get }
    /// The rate of the update made after `step` updates (Keras's `schedule(optimizer.iterations)`).
    func value(atStep step: Int) -> Double
}

extension LearningRateSchedule {
    /// The schedule's name.
    public var name: String { Self.name }

    /// Whether `other` is the same schedule with the same options.
    public func isEqual(to other: any LearningRateSchedule) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// A schedule's option mapping, read with positions as `train.optimizer.learning_rate.<key>`.
public struct ScheduleOptions {
    /// The schedule's name (for messages).
    public let schedule: String
    /// The whole `learning_rate:` mapping (where a missing option is reported).
    public let node: Node
    /// The option entries (without `schedule`), in file order.
    public let entries: [NodeReader.Entry]
    /// Collects the problems.
    public var reader: NodeReader

    /// The dotted path of an option, for messages.
    public func path(_ key: String) -> String { "train.optimizer.learning_rate.\(key)" }

    /// The value of `key`, if written.
    public func node(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// Whether a value is YAML's null (`null`, `~` or nothing), Keras's `None`.
    public static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["null", "Null", "NULL", "~", ""].contains(scalar.string)
    }

    /// Reports an option Keras requires (it has no default) that is absent.
    public mutating func missing(_ key: String, example: String) {
        reader.error(node, "the \(schedule) schedule needs \(key)", suggestion: "add \(key): \(example) to train.optimizer.learning_rate")
    }

    /// A finite number satisfying `valid` (described by `requirement`); `default` when absent, and
    /// an error when absent without a default.
    public mutating func double(_ key: String, default value: Double?, example: String = "0.01", requirement: String,
                                _ valid: (Double) -> Bool) -> Double? {
        guard let node = node(key) else {
            if value == nil { missing(key, example: example) }
            return value
        }
        return reader.double(node, path(key), requirement: requirement, valid)
    }

    /// A rate: a finite number greater than 0 (required when `default` is nil).
    public mutating func rate(_ key: String, default value: Double? = nil) -> Double? {
        double(key, default: value, requirement: "greater than 0") { $0 > 0 }
    }

    /// A count of optimizer steps of at least `minimum` (required when `default` is nil).
    public mutating func steps(_ key: String, default value: Int? = nil, minimum: Int = 1) -> Int? {
        guard let node = node(key) else {
            if value == nil { missing(key, example: "1000") }
            return value
        }
        return reader.int(node, path(key), in: minimum...Int(Int32.max))
    }

    /// true or false; `default` when absent.
    public mutating func bool(_ key: String, default value: Bool) -> Bool? {
        guard let node = node(key) else { return value }
        return reader.bool(node, path(key))
    }

    /// A rate greater than 0 or null (Keras's `None`); `.some(nil)` when absent or null, nil after an error.
    public mutating func optionalRate(_ key: String) -> Double?? {
        guard let node = node(key), !Self.isNull(node) else { return .some(nil) }
        guard let value = reader.double(node, path(key), requirement: "greater than 0 (or null)", { $0 > 0 }) else { return nil }
        return .some(value)
    }

    /// A list of numbers, each checked by `read` (which reports the problem and returns nil).
    public mutating func list<T>(_ key: String, example: String, _ read: (inout NodeReader, Node, String) -> T?) -> [T]? {
        guard let node = node(key) else {
            missing(key, example: example)
            return nil
        }
        guard case .sequence(let items) = node, !items.isEmpty else {
            reader.error(node, "\(path(key)) must be a list such as \(example), found \(reader.describe(node))")
            return nil
        }
        var values: [T] = []
        for (index, item) in items.enumerated() {
            guard let value = read(&reader, item, "\(path(key)).\(index)") else { return nil }
            values.append(value)
        }
        return values
    }
}
