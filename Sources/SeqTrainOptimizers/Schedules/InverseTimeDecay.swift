import SeqTrainCore

/// Keras's `InverseTimeDecay`: `initial_learning_rate / (1 + decay_rate · step / decay_steps)`,
/// `step / decay_steps` rounded down when `staircase`.
public struct InverseTimeDecay: LearningRateSchedule {
    /// The rate at step 0.
    public var initialLearningRate: Double
    /// The step scale of the decay.
    public var decaySteps: Int
    /// How fast the rate falls.
    public var decayRate: Double
    /// Decay in whole periods of `decaySteps`.
    public var staircase = false

    /// A schedule with these options.
    public init(initialLearningRate: Double, decaySteps: Int, decayRate: Double, staircase: Bool = false) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    public static let name = "inverse_time_decay"
    public static let optionKeys = ["initial_learning_rate", "decay_steps", "decay_rate", "staircase"]

    public static func parse(_ options: inout ScheduleOptions) -> InverseTimeDecay? {
        let initial = options.rate("initial_learning_rate"), steps = options.steps("decay_steps")
        let rate = options.double("decay_rate", default: nil, example: "0.5", requirement: "at least 0") { $0 >= 0 }
        let staircase = options.bool("staircase", default: false)
        guard let initial, let steps, let rate, let staircase else { return nil }
        return InverseTimeDecay(initialLearningRate: initial, decaySteps: steps, decayRate: rate, staircase: staircase)
    }

    public var options: [(key: String, value: String)] {
        [("initial_learning_rate", YAMLText.number(initialLearningRate)), ("decay_steps", "\(decaySteps)"),
         ("decay_rate", YAMLText.number(decayRate)), ("staircase", "\(staircase)")]
    }

    public func value(atStep step: Int) -> Double {
        var p = Double(step) / Double(decaySteps)
        if staircase { p = p.rounded(.down) }
        return initialLearningRate / (1 + decayRate * p)
    }
}

extension InverseTimeDecay {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("initial_learning_rate", .number, required: true, minimum: 0, exclusiveMinimum: true, "The rate at step 0."),
        OptionSpec("decay_steps", .integer, required: true, minimum: 1, maximum: 2147483647, "The steps (batches) over which the rate decays."),
        OptionSpec("decay_rate", .number, required: true, minimum: 0, "How fast the rate falls: initial / (1 + decay_rate * step / decay_steps)."),
        .bool("staircase", default: false, "Decay in whole steps of decay_steps instead of continuously."),
    ]
}
