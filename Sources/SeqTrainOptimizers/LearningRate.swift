import SeqTrainCore

/// The learning rate as a function of the optimizer step, so that schedules need no other change.
public enum LearningRate: Equatable, Sendable, ExpressibleByFloatLiteral {
    /// The same rate at every step.
    case constant(Double)

    /// A constant rate written as a number.
    public init(floatLiteral value: Double) { self = .constant(value) }

    /// The rate of the update made when `step` updates have been made before it (Keras's
    /// `optimizer.iterations` at the time of the update).
    public func value(atStep step: Int) -> Double {
        switch self {
        case .constant(let rate): return rate
        }
    }

    /// `learning_rate:` a number greater than 0; nil after reporting the problem.
    public static func parse(_ node: Node, reader: inout NodeReader) -> LearningRate? {
        reader.double(node, "train.optimizer.learning_rate", requirement: "greater than 0") { $0 > 0 }.map(LearningRate.constant)
    }

    /// The resolved YAML value.
    public var yaml: String {
        switch self {
        case .constant(let rate): return YAMLText.number(rate)
        }
    }
}
