import SeqTrainCore

/// Keras's `PiecewiseConstantDecay`: `values[0]` up to and including step `boundaries[0]`,
/// `values[i]` for steps in `(boundaries[i-1], boundaries[i]]`, the last value after the last boundary.
public struct PiecewiseConstantDecay: LearningRateSchedule {
    /// Increasing step counts where the rate changes.
    public var boundaries: [Int]
    /// One rate per interval: one more than the boundaries.
    public var values: [Double]

    /// A schedule with these options.
    public init(boundaries: [Int], values: [Double]) {
        self.boundaries = boundaries
        self.values = values
    }

    public static let name = "piecewise_constant_decay"
    public static let optionKeys = ["boundaries", "values"]

    public static func parse(_ options: inout ScheduleOptions) -> PiecewiseConstantDecay? {
        let boundaries = options.list("boundaries", example: "[1000, 2000]") { $0.int($1, $2, in: 0...Int(Int32.max)) }
        let values = options.list("values", example: "[0.01, 0.005, 0.001]") { $0.double($1, $2, requirement: "greater than 0") { $0 > 0 } }
        guard let boundaries, let values else { return nil }
        if let bad = boundaries.indices.dropLast().first(where: { boundaries[$0] >= boundaries[$0 + 1] }) {
            options.reader.error(options.node("boundaries"), "train.optimizer.learning_rate.boundaries must increase, "
                + "but \(boundaries[bad + 1]) follows \(boundaries[bad])")
            return nil
        }
        guard values.count == boundaries.count + 1 else {
            options.reader.error(options.node("values"), "train.optimizer.learning_rate.values has \(values.count) rates "
                + "for \(boundaries.count) boundaries", suggestion: "give one rate more than boundaries: \(boundaries.count + 1)")
            return nil
        }
        return PiecewiseConstantDecay(boundaries: boundaries, values: values)
    }

    public var options: [(key: String, value: String)] {
        [("boundaries", "[" + boundaries.map { "\($0)" }.joined(separator: ", ") + "]"),
         ("values", "[" + values.map(YAMLText.number).joined(separator: ", ") + "]")]
    }

    public func value(atStep step: Int) -> Double {
        for (boundary, value) in zip(boundaries, values) where step <= boundary { return value }
        return values[values.count - 1]
    }
}

extension PiecewiseConstantDecay {
    /// The options described for the JSON Schema and `seqtrain help config`.
    public static let optionSchema: [OptionSpec] = [
        OptionSpec("boundaries", .list(.integer), required: true, "The steps at which the rate changes, increasing."),
        OptionSpec("values", .list(.number), required: true, "The rates: one more than the boundaries."),
    ]
}
