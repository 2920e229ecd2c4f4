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

/// Why a layer cannot take the shape its predecessor gives it.
public struct ShapeError: Error, Equatable, Sendable {
    /// What went wrong, in the user's terms.
    public var message: String
    /// How to fix it.
    public var suggestion: String?
}

extension LayerConfig {
    /// The output shape for a given input shape, or why the input does not fit.
    ///
    /// `previous` names the layer that produced the input ("the data" for the first layer), so that
    /// the error can say what that layer outputs.
    public func outputShape(for input: TensorShape, previous: String) throws -> TensorShape {
        switch self {
        case .simpleRNN(let rnn):
            guard case .sequence(let steps, _) = input else {
                throw ShapeError(
                    message: "SimpleRNN reads a sequence [batch, steps, features], but \(previous) outputs \(input): "
                        + "a recurrent layer without return_sequences outputs only its last state",
                    suggestion: "set return_sequences: true on \(previous)")
            }
            return rnn.returnSequences ? .sequence(steps: steps, features: rnn.units) : .vector(rnn.units)
        case .dense(let dense):
            switch input {
            case .sequence(let steps, _): return .sequence(steps: steps, features: dense.units)
            case .vector: return .vector(dense.units)
            }
        case .timeDistributed(let dense):
            guard case .sequence(let steps, _) = input else {
                throw ShapeError(
                    message: "TimeDistributed applies its layer at every time step and needs a sequence "
                        + "[batch, steps, features], but \(previous) outputs \(input)",
                    suggestion: "use Dense directly, or set return_sequences: true on \(previous)")
            }
            return .sequence(steps: steps, features: dense.units)
        case .flatten:
            return .vector(input.count)
        }
    }
}
