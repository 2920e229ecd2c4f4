import SeqTrainCore

/// Keras's `clipnorm` / `clipvalue` (at most one of them), written inside `train.optimizer`.
public enum GradientClipping: Equatable, Sendable {
    /// Gradients are used as they are.
    case none
    /// Each parameter tensor's gradient is scaled down to this L2 norm when larger.
    case norm(Double)
    /// Each gradient value is clipped to [-v, v].
    case value(Double)

    /// `clipnorm` / `clipvalue` inside the optimizer mapping; nil after reporting an error.
    public static func parse(_ node: Node, reader: inout NodeReader) -> GradientClipping? {
        guard case .mapping = node, let entries = reader.mapping(node, "train.optimizer") else { return GradientClipping.none }
        let clips = entries.filter { $0.key == "clipnorm" || $0.key == "clipvalue" }
        guard !clips.isEmpty else { return GradientClipping.none }
        if clips.count > 1 {
            reader.error(clips[1].keyNode, "train.optimizer takes clipnorm or clipvalue, not both", suggestion: "keep one of them")
            return nil
        }
        guard let value = reader.double(clips[0].value, "train.optimizer.\(clips[0].key)", requirement: "greater than 0", { $0 > 0 }) else {
            return nil
        }
        return clips[0].key == "clipnorm" ? .norm(value) : .value(value)
    }

    /// The resolved YAML entry appended to the optimizer mapping (`, clipnorm: 1.0`), or nothing.
    public var yamlSuffix: String {
        switch self {
        case .none: return ""
        case .norm(let value): return ", clipnorm: \(YAMLText.number(value))"
        case .value(let value): return ", clipvalue: \(YAMLText.number(value))"
        }
    }

    /// Whether it clips each value on its own (so that any slice of the gradients can be clipped alone).
    public var isElementWise: Bool {
        if case .norm = self { return false }
        return true
    }

    /// Clips the gradients `g` in place, tensor by tensor (`tensors` are their flat ranges).
    public func apply(_ g: UnsafeMutablePointer<Float>, tensors: [Range<Int>]) {
        switch self {
        case .none:
            return
        case .value(let limit):
            let v = Float(limit)
            for range in tensors { for i in range { g[i] = min(max(g[i], -v), v) } }
        case .norm(let limit):
            let c = Float(limit)
            for range in tensors {
                var squares = 0.0
                for i in range { squares += Double(g[i]) * Double(g[i]) }
                let norm = Float(squares.squareRoot())
                guard norm > c else { continue }
                for i in range { g[i] = g[i] * c / norm }
            }
        }
    }
}
