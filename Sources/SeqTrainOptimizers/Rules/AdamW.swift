import SeqTrainCore

/// Keras's AdamW: Adam's update after a decoupled weight decay, `w -= w·weight_decay·lr` (every
/// optimizer applies `weight_decay` so; AdamW is Adam whose `weight_decay` defaults to 0.004).
public struct AdamWConfig: OptimizerRule {
    /// Adam's options and update, shared.
    public var adam = AdamConfig()
    /// Creates AdamW with Keras's defaults.
    public init() {}

    public static let name = "adamw"
    public static let optionKeys = AdamConfig.optionKeys
    public static let defaultWeightDecay: Double? = 0.004

    public static func parse(_ options: inout OptimizerOptions) -> AdamWConfig? {
        AdamConfig.parse(&options).map { adam in
            var adamw = AdamWConfig()
            adamw.adam = adam
            return adamw
        }
    }

    public var options: [(key: String, value: String)] { adam.options }
    public var learningRate: LearningRate { adam.learningRate }
    public var slotNames: [String] { adam.slotNames }

    public func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, slots: [UnsafeMutablePointer<Float>],
                       count: Int, step: Int, learningRate: Double) {
        adam.update(w, g, slots: slots, count: count, step: step, learningRate: learningRate)
    }
}

extension AdamWConfig {
    /// Adam's options (AdamW differs in its default weight_decay, a common option).
    public static let optionSchema = AdamConfig.optionSchema
}
