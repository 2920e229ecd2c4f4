import SeqTrainCore

/// The learning rate as a function of the optimizer step: a number, or one of Keras's schedules.
public enum LearningRate: Equatable, Sendable, ExpressibleByFloatLiteral {
    /// The same rate at every step.
    case constant(Double)
    /// A rate that changes with the step (`{schedule: exponential_decay, …}`).
    case schedule(any LearningRateSchedule)

    /// The schedules `learning_rate: {schedule: NAME, …}` may name, in the order messages list them.
    public static let schedules: [any LearningRateSchedule.Type] = [
        ExponentialDecay.self,
        PiecewiseConstantDecay.self,
        PolynomialDecay.self,
        CosineDecay.self,
        InverseTimeDecay.self,
    ]

    /// A constant rate written as a number.
    public init(floatLiteral value: Double) { self = .constant(value) }

    public static func == (a: LearningRate, b: LearningRate) -> Bool {
        switch (a, b) {
        case (.constant(let x), .constant(let y)): return x == y
        case (.schedule(let x), .schedule(let y)): return x.isEqual(to: y)
        default: return false
        }
    }

    /// The rate of the update made when `step` updates have been made before it (Keras's
    /// `optimizer.iterations` at the time of the update, which Keras passes to its schedules).
    public func value(atStep step: Int) -> Double {
        switch self {
        case .constant(let rate): return rate
        case .schedule(let schedule): return schedule.value(atStep: step)
        }
    }

    /// Whether the rate follows a schedule (which ReduceLROnPlateau may not change, as in Keras).
    public var isScheduled: Bool {
        if case .schedule = self { return true }
        return false
    }

    /// `learning_rate:` a number greater than 0, or a mapping `{schedule: NAME, options…}`; nil after
    /// reporting the problems.
    public static func parse(_ node: Node, reader: inout NodeReader) -> LearningRate? {
        let path = "train.optimizer.learning_rate"
        guard case .mapping = node else {
            return reader.double(node, path, requirement: "greater than 0") { $0 > 0 }.map(LearningRate.constant)
        }
        guard let entries = reader.mapping(node, path) else { return nil }
        let names = schedules.map { $0.name }
        guard let nameEntry = entries.first(where: { $0.key == "schedule" }) else {
            reader.error(node, "\(path) is a mapping without 'schedule:'",
                         suggestion: "write a number, or a schedule such as {schedule: exponential_decay, initial_learning_rate: 0.01, "
                            + "decay_steps: 1000, decay_rate: 0.9}; schedules: " + names.joined(separator: ", "))
            return nil
        }
        guard let name = reader.scalarText(nameEntry.value, path + ".schedule", expected: "one of: " + names.joined(separator: ", ")) else {
            return nil
        }
        guard let type = schedules.first(where: { $0.name == name }) else {
            reader.error(nameEntry.value, "unknown learning-rate schedule '\(name)'", suggestion: Suggest.hint(for: name, in: names))
            return nil
        }
        let before = reader.diagnostics.count
        let fields = entries.filter { $0.key != "schedule" }
        reader.checkKeys(fields, allowed: type.optionKeys, in: "the \(name) schedule")
        guard reader.diagnostics.count == before else { return nil }
        var options = ScheduleOptions(schedule: name, node: node, entries: fields, reader: reader)
        let schedule = type.parse(&options)
        reader = options.reader
        guard reader.diagnostics.count == before, let schedule else { return nil }
        return .schedule(schedule)
    }

    /// The resolved YAML value: the number, or the schedule's flow mapping with every option.
    public var yaml: String {
        switch self {
        case .constant(let rate): return YAMLText.number(rate)
        case .schedule(let schedule):
            return YAMLText.mapping([("schedule", schedule.name)] + schedule.options.map { ($0.key, $0.value) })
        }
    }
}
