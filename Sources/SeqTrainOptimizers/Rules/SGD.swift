import SeqTrainCore

/// Stochastic gradient descent with Keras's defaults, optionally with (Nesterov) momentum:
/// `velocity = μ·velocity - lr·g`, then `w += velocity` (Nesterov: `w += μ·velocity - lr·g`).
public struct SGDConfig: OptimizerRule {
    /// Step size.
    public var learningRate: LearningRate = 0.01
    /// Velocity decay; 0 is plain SGD.
    public var momentum: Double = 0
    /// Use Nesterov momentum.
    public var nesterov: Bool = false
    /// Creates SGD with Keras's defaults.
    public init() {}

    public static let name = "sgd"
    public static let optionKeys = ["learning_rate", "momentum", "nesterov"]

    public static func parse(_ options: inout OptimizerOptions) -> SGDConfig? {
        var sgd = SGDConfig()
        guard let learningRate = options.learningRate(default: 0.01),
              let momentum = options.rate("momentum", default: 0),
              let nesterov = options.bool("nesterov", default: false) else { return nil }
        (sgd.learningRate, sgd.momentum, sgd.nesterov) = (learningRate, momentum, nesterov)
        return sgd
    }

    public var options: [(key: String, value: String)] {
        [("learning_rate", learningRate.yaml), ("momentum", YAMLText.number(momentum)), ("nesterov", "\(nesterov)")]
    }

    public var slotNames: [String] { momentum > 0 ? ["momentum"] : [] }

    public func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                       count: Int, step: Int, learningRate: Double) {
        let lr = Float(learningRate), mu = Float(momentum)
        guard let velocity = slots.first else {
            for i in 0..<count { w[i] -= lr * g[i] }
            return
        }
        for i in 0..<count {
            velocity[i] = mu * velocity[i] - lr * g[i]
            w[i] += nesterov ? mu * velocity[i] - lr * g[i] : velocity[i]
        }
    }
}

extension SGDConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("learning_rate", .numberOrMapping, default: "0.01", minimum: 0, exclusiveMinimum: true, "The step size: a number, or a schedule {schedule: NAME, ...}."),
        OptionSpec("momentum", .number, default: "0", minimum: 0, maximum: 1, exclusiveMaximum: true, "The fraction of the previous update added to the next."),
        .bool("nesterov", default: false, "Use Nesterov momentum."),
    ]
}
