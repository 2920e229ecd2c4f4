/// The shape of one sample flowing between layers (the batch axis is implicit).
public enum TensorShape: Equatable, Sendable, CustomStringConvertible {
    /// `[steps, features]`: one vector per time step.
    case sequence(steps: Int, features: Int)
    /// `[features]`.
    case vector(Int)

    /// Values per sample.
    public var count: Int {
        switch self {
        case .sequence(let steps, let features): return steps * features
        case .vector(let features): return features
        }
    }

    /// The size of the last axis.
    public var features: Int {
        switch self {
        case .sequence(_, let features): return features
        case .vector(let features): return features
        }
    }

    /// Keras's notation, e.g. `(None, 50, 20)`.
    public var description: String {
        switch self {
        case .sequence(let steps, let features): return "(None, \(steps), \(features))"
        case .vector(let features): return "(None, \(features))"
        }
    }
}
