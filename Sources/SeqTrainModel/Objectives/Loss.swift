import SeqTrainCore

/// Loss functions, reduced as Keras does: the mean over every element. Everything about a loss is
/// here: its name in files, how it is read and written, its value and gradient.
public enum LossConfig: Equatable, Sendable {
    /// Mean squared error.
    case mse
    /// Mean absolute error.
    case mae
    /// Huber loss with threshold `delta`.
    case huber(delta: Double)

    /// The names a file may use.
    public static let names = ["mse", "mae", "huber"]

    /// The name used in files and histories.
    public var name: String {
        switch self {
        case .mse: return "mse"
        case .mae: return "mae"
        case .huber: return "huber"
        }
    }

    /// `train.loss`: a name, or `{name: huber, delta: 1.0}`; nil after reporting the problems.
    public static func parse(_ node: Node, reader: inout NodeReader) -> LossConfig? {
        var name: String?, delta = 1.0
        if case .mapping = node {
            guard let entries = reader.mapping(node, "train.loss") else { return nil }
            reader.checkKeys(entries, allowed: ["name", "delta"], in: "train.loss")
            for entry in entries {
                if entry.key == "name" { name = reader.scalarText(entry.value, "train.loss.name", expected: "a loss name") }
                if entry.key == "delta" {
                    guard let value = reader.double(entry.value, "train.loss.delta", requirement: "greater than 0", { $0 > 0 }) else { return nil }
                    delta = value
                }
            }
        } else {
            name = reader.scalarText(node, "train.loss", expected: "mse, mae or huber")
        }
        switch name {
        case "mse": return .mse
        case "mae": return .mae
        case "huber": return .huber(delta: delta)
        case let other?:
            reader.error(node, "train.loss cannot be '\(other)'", suggestion: Suggest.hint(for: other, in: names))
            return nil
        case nil:
            return nil
        }
    }

    /// The resolved YAML value.
    public var yaml: String {
        switch self {
        case .mse, .mae: return name
        case .huber(let delta): return "{name: huber, delta: \(YAMLText.number(delta))}"
        }
    }

    /// The sum of the per-element losses of `count` predictions, in float64; when `gradient` is given,
    /// writes dLoss/dPrediction there, scaled by `scale` (1 / the element count of the whole batch).
    public func sum(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, count: Int,
                    gradient g: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        var sum = 0.0
        switch self {
        case .mse:
            for i in 0..<count {
                let e = p[i] - y[i]
                sum += Double(e * e)
                g?[i] = 2 * e * scale
            }
        case .mae:
            for i in 0..<count {
                let e = p[i] - y[i]
                sum += Double(abs(e))
                g?[i] = (e > 0 ? 1 : (e < 0 ? -1 : 0)) * scale
            }
        case .huber(let delta):
            let d = Float(delta)
            for i in 0..<count {
                let e = p[i] - y[i]
                if abs(e) <= d {
                    sum += Double(0.5 * e * e)
                    g?[i] = e * scale
                } else {
                    sum += Double(d * abs(e) - 0.5 * d * d)
                    g?[i] = (e > 0 ? d : -d) * scale
                }
            }
        }
        return sum
    }

    /// The mean loss of `count` predictions; `gradient` gets dMean/dPrediction.
    public func evaluate(prediction p: UnsafePointer<Float>, target y: UnsafePointer<Float>, count: Int,
                         gradient g: UnsafeMutablePointer<Float>?) -> Double {
        sum(prediction: p, target: y, count: count, gradient: g, scale: 1 / Float(count)) / Double(count)
    }
}
