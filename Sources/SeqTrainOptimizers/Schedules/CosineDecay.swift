import Foundation
import SeqTrainCore

/// Keras's `CosineDecay`, with its optional linear warm-up: from `initial_learning_rate` the rate
/// rises linearly to `warmup_target` over `warmup_steps` steps (when a target is given), then
/// follows half a cosine down to `alpha` times its start over `decay_steps` steps, and stays there.
public struct CosineDecay: LearningRateSchedule {
    /// The rate at step 0.
    public var initialLearningRate: Double
    /// Steps of the cosine decay (after the warm-up).
    public var decaySteps: Int
    /// The final rate as a fraction of the rate the decay starts from.
    public var alpha = 0.0
    /// The rate the warm-up reaches; nil (Keras's None): no warm-up.
    public var warmupTarget: Double?
    /// Steps of the warm-up.
    public var warmupSteps = 0

    /// A schedule with these options.
    public init(initialLearningRate: Double, decaySteps: Int, alpha: Double = 0, warmupTarget: Double? = nil, warmupSteps: Int = 0) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.alpha = alpha
        self.warmupTarget = warmupTarget
        self.warmupSteps = warmupSteps
    }

    public static let name = "cosine_decay"
    public static let optionKeys = ["initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps"]

    public static func parse(_ options: inout ScheduleOptions) -> CosineDecay? {
        let initial = options.rate("initial_learning_rate"), steps = options.steps("decay_steps")
        let alpha = options.double("alpha", default: 0, requirement: "between 0 and 1") { $0 >= 0 && $0 <= 1 }
        let target = options.optionalRate("warmup_target")
        let warmup = options.steps("warmup_steps", default: 0, minimum: 0)
        guard let initial, let steps, let alpha, let target, let warmup else { return nil }
        return CosineDecay(initialLearningRate: initial, decaySteps: steps, alpha: alpha, warmupTarget: target, warmupSteps: warmup)
    }

    public var options: [(key: String, value: String)] {
        [("initial_learning_rate", YAMLText.number(initialLearningRate)), ("decay_steps", "\(decaySteps)"),
         ("alpha", YAMLText.number(alpha)), ("warmup_target", warmupTarget.map(YAMLText.number) ?? "null"),
         ("warmup_steps", "\(warmupSteps)")]
    }

    public func value(atStep step: Int) -> Double {
        let decay = Double(decaySteps)
        guard let target = warmupTarget else { return decayed(min(Double(step), decay), from: initialLearningRate) }
        let warmup = Double(warmupSteps), done = min(Double(step), decay + warmup)
        if done < warmup { return (target - initialLearningRate) * (done / warmup) + initialLearningRate }
        return decayed(done - warmup, from: target)
    }

    /// Half a cosine from `rate` down to `alpha · rate` after `done` of `decaySteps` steps.
    private func decayed(_ done: Double, from rate: Double) -> Double {
        let cosine = 0.5 * (1 + cos(Double.pi * done / Double(decaySteps)))
        return rate * ((1 - alpha) * cosine + alpha)
    }
}

extension CosineDecay {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("initial_learning_rate", .number, required: true, minimum: 0, exclusiveMinimum: true, "The rate at step 0."),
        OptionSpec("decay_steps", .integer, required: true, minimum: 1, maximum: 2147483647, "The steps (batches) over which the rate decays."),
        OptionSpec("alpha", .number, default: "0", minimum: 0, maximum: 1, "The final rate as a fraction of the initial one."),
        OptionSpec("warmup_target", .nullableNumber, default: "null", minimum: 0, exclusiveMinimum: true, "The rate a linear warm-up rises to before the decay (null: no warm-up)."),
        OptionSpec("warmup_steps", .integer, default: "0", minimum: 0, maximum: 2147483647, "The steps of the warm-up."),
    ]
}
