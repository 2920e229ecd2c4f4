import CKernels
import Foundation
import SeqTrainCore

/// Adam, with Keras's defaults and update: `alpha = lr·sqrt(1-β2^t)/(1-β1^t)`,
/// `w -= alpha·m/(sqrt(v)+ε)`, ε outside the root.
public struct AdamConfig: OptimizerRule {
    /// Step size.
    public var learningRate: LearningRate = 0.001
    /// Decay of the first moment.
    public var beta1: Double = 0.9
    /// Decay of the second moment.
    public var beta2: Double = 0.999
    /// Added to the root of the second moment.
    public var epsilon: Double = 1e-7
    /// Creates Adam with Keras's defaults.
    public init() {}

    public static let name = "adam"
    public static let optionKeys = ["learning_rate", "beta_1", "beta_2", "epsilon"]

    public static func parse(_ options: inout OptimizerOptions) -> AdamConfig? {
        var adam = AdamConfig()
        guard let learningRate = options.learningRate(default: 0.001),
              let beta1 = options.rate("beta_1", default: adam.beta1),
              let beta2 = options.rate("beta_2", default: adam.beta2),
              let epsilon = options.double("epsilon", default: adam.epsilon, requirement: "greater than 0", { $0 > 0 }) else { return nil }
        (adam.learningRate, adam.beta1, adam.beta2, adam.epsilon) = (learningRate, beta1, beta2, epsilon)
        return adam
    }

    public var options: [(key: String, value: String)] {
        [("learning_rate", learningRate.yaml), ("beta_1", YAMLText.number(beta1)), ("beta_2", YAMLText.number(beta2)),
         ("epsilon", YAMLText.number(epsilon))]
    }

    public var slotNames: [String] { ["m", "v"] }

    public func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                       count: Int, step: Int, learningRate lr: Double) {
        let t = Double(step)
        let alpha = Float(lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t)))
        let keep1 = 1 - Float(beta1), keep2 = 1 - Float(beta2)
        st_adam(w, g, slots[0], slots[1], count, alpha, keep1, keep2, Float(epsilon))  // slots m, v
    }
}

extension AdamConfig {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("learning_rate", .numberOrMapping, default: "0.001", minimum: 0, exclusiveMinimum: true, "The step size: a number, or a schedule {schedule: NAME, ...}."),
        OptionSpec("beta_1", .number, default: "0.9", minimum: 0, maximum: 1, exclusiveMaximum: true, "The decay of the first-moment (mean) estimate."),
        OptionSpec("beta_2", .number, default: "0.999", minimum: 0, maximum: 1, exclusiveMaximum: true, "The decay of the second-moment (variance) estimate."),
        OptionSpec("epsilon", .number, default: "1e-07", minimum: 0, exclusiveMinimum: true, "A small constant for numerical stability."),
    ]
}
