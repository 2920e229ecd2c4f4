import CKernels
import SeqTrainCore

/// RMSprop as Keras 3 computes it: `v = ρ·v + (1-ρ)·g²`, `w -= lr·g / sqrt(v + ε)`, ε inside the root.
public struct RMSpropConfig: OptimizerRule {
    /// Step size.
    public var learningRate: LearningRate = 0.001
    /// Decay of the squared-gradient average.
    public var rho: Double = 0.9
    /// Added under the root.
    public var epsilon: Double = 1e-7
    /// Creates RMSprop with Keras's defaults.
    public init() {}

    public static let name = "rmsprop"
    public static let optionKeys = ["learning_rate", "rho", "epsilon"]

    public static func parse(_ options: inout OptimizerOptions) -> RMSpropConfig? {
        var rmsprop = RMSpropConfig()
        guard let learningRate = options.learningRate(default: 0.001),
              let rho = options.rate("rho", default: rmsprop.rho),
              let epsilon = options.double("epsilon", default: rmsprop.epsilon, requirement: "greater than 0", { $0 > 0 }) else { return nil }
        (rmsprop.learningRate, rmsprop.rho, rmsprop.epsilon) = (learningRate, rho, epsilon)
        return rmsprop
    }

    public var options: [(key: String, value: String)] {
        [("learning_rate", learningRate.yaml), ("rho", YAMLText.number(rho)), ("epsilon", YAMLText.number(epsilon))]
    }

    public var slotNames: [String] { ["velocity"] }

    public func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                       count: Int, step: Int, learningRate: Double) {
        st_rmsprop(w, g, slots[0], count, Float(learningRate), Float(rho), Float(epsilon))  // slot v
    }
}

extension RMSpropConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("learning_rate", .numberOrMapping, default: "0.001", minimum: 0, exclusiveMinimum: true, "The step size: a number, or a schedule {schedule: NAME, ...}."),
        OptionSpec("rho", .number, default: "0.9", minimum: 0, maximum: 1, exclusiveMaximum: true, "The decay of the moving average of squared gradients."),
        OptionSpec("epsilon", .number, default: "1e-07", minimum: 0, exclusiveMinimum: true, "A small constant for numerical stability."),
    ]
}
