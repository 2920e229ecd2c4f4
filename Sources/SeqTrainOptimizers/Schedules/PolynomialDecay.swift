import Foundation
import SeqTrainCore

/// Keras's `PolynomialDecay`: from `initial_learning_rate` to `end_learning_rate` over
/// `decay_steps` steps, `(initial - end) · (1 - step / decay_steps)^power + end`, constant after;
/// with `cycle`, `decay_steps` grows to the first multiple of it beyond the step instead.
public struct PolynomialDecay: LearningRateSchedule {
    /// The rate at step 0.
    public var initialLearningRate: Double
    /// Steps to reach the end rate.
    public var decaySteps: Int
    /// The rate at the end of the decay.
    public var endLearningRate = 0.0001
    /// The polynomial's power (1: linear).
    public var power = 1.0
    /// Restart the decay beyond `decaySteps` (with a longer period) instead of staying at the end rate.
    public var cycle = false

    /// A schedule with these options.
    public init(initialLearningRate: Double, decaySteps: Int, endLearningRate: Double = 0.0001, power: Double = 1, cycle: Bool = false) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.endLearningRate = endLearningRate
        self.power = power
        self.cycle = cycle
    }

    public static let name = "polynomial_decay"
    public static let optionKeys = ["initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle"]

    public static func parse(_ options: inout ScheduleOptions) -> PolynomialDecay? {
        let initial = options.rate("initial_learning_rate"), steps = options.steps("decay_steps")
        let end = options.double("end_learning_rate", default: 0.0001, requirement: "at least 0") { $0 >= 0 }
        let power = options.double("power", default: 1, requirement: "greater than 0") { $0 > 0 }
        let cycle = options.bool("cycle", default: false)
        guard let initial, let steps, let end, let power, let cycle else { return nil }
        return PolynomialDecay(initialLearningRate: initial, decaySteps: steps, endLearningRate: end, power: power, cycle: cycle)
    }

    public var options: [(key: String, value: String)] {
        [("initial_learning_rate", YAMLText.number(initialLearningRate)), ("decay_steps", "\(decaySteps)"),
         ("end_learning_rate", YAMLText.number(endLearningRate)), ("power", YAMLText.number(power)), ("cycle", "\(cycle)")]
    }

    public func value(atStep step: Int) -> Double {
        var done = Double(step), length = Double(decaySteps)
        if cycle {
            // The first multiple of decay_steps at or beyond the step (1 at step 0).
            length *= step == 0 ? 1 : (done / Double(decaySteps)).rounded(.up)
        } else {
            done = min(done, length)
        }
        return (initialLearningRate - endLearningRate) * pow(1 - done / length, power) + endLearningRate
    }
}

extension PolynomialDecay {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("initial_learning_rate", .number, required: true, minimum: 0, exclusiveMinimum: true, "The rate at step 0."),
        OptionSpec("decay_steps", .integer, required: true, minimum: 1, maximum: 2147483647, "The steps (batches) over which the rate decays."),
        OptionSpec("end_learning_rate", .number, default: "0.0001", minimum: 0, "The rate after decay_steps steps."),
        OptionSpec("power", .number, default: "1", minimum: 0, exclusiveMinimum: true, "The power of the polynomial (1: linear)."),
        .bool("cycle", default: false, "Restart the decay after decay_steps steps."),
    ]
}
