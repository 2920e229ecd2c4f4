import Foundation
import SeqTrainCore

/// What a `sweep:` block asks for: how points are chosen (a grid, random draws, or successive halving
/// over either), the parameters and their values or distributions.
///
/// ```yaml
/// sweep:
///   method: random            # grid | random | halving
///   trials: 40
///   seed: 7
///   parameters:
///     train.optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
///     train.batch_size: [16, 32, 64]
///   halving: {metric: val_loss, min_epochs: 2, eta: 3}
/// ```
///
/// A block of plain `path: [values]` keys is a grid.
public struct SweepSpec: Equatable, Sendable {
    /// How points are chosen.
    public enum Method: String, CaseIterable, Equatable, Sendable {
        /// Every combination of the values.
        case grid
        /// `trials` points drawn from the distributions.
        case random
        /// Successive halving over the grid, or over random draws when `trials` is given.
        case halving
    }

    /// How points are chosen.
    public var method: Method
    /// The parameters; a grid's are all lists.
    public var parameters: [SweepParameter]
    /// Random points to draw (method random, or halving over random draws).
    public var trials: Int?
    /// The seed of the draws, so that the same block gives the same points.
    public var seed: UInt32
    /// Successive halving's settings (method halving).
    public var halving: HalvingSpec?

    /// A grid of these axes.
    public init(grid axes: [SweepGrid.Axis]) {
        method = .grid
        parameters = axes.map { SweepParameter(path: $0.path, distribution: .choice($0.values), origins: $0.origins) }
        trials = nil
        seed = 0
        halving = nil
    }

    /// Creates a spec.
    public init(method: Method, parameters: [SweepParameter], trials: Int?, seed: UInt32, halving: HalvingSpec?) {
        (self.method, self.parameters, self.trials, self.seed, self.halving) = (method, parameters, trials, seed, halving)
    }

    /// Whether the points are drawn at random (rather than a grid).
    public var isRandom: Bool { method == .random || (method == .halving && trials != nil) }

    /// The list parameters as grid axes (every parameter of a grid).
    public var gridAxes: [SweepGrid.Axis] {
        parameters.compactMap { parameter in
            guard case .choice(let values) = parameter.distribution else { return nil }
            return SweepGrid.Axis(path: parameter.path, values: values, origins: parameter.origins)
        }
    }

    /// This spec with `--grid` axes: each replaces the parameter of the same path, or is added.
    public func adding(grid arguments: [String]) throws -> SweepSpec {
        let extra = try SweepGrid(arguments: arguments).axes
        var copy = self
        copy.parameters = parameters.filter { parameter in !extra.contains { $0.path == parameter.path } }
            + extra.map { SweepParameter(path: $0.path, distribution: .choice($0.values), origins: []) }
        return copy
    }

    /// The number of points (saturating).
    public var pointCount: Int { isRandom ? trials ?? 0 : SweepGrid(axes: gridAxes).pointCount }

    /// Every point: one value (YAML text) per parameter, in `parameters` order.
    public var points: [[String]] {
        guard isRandom else { return SweepGrid(axes: gridAxes).points }
        return (0..<(trials ?? 0)).map { trial in
            var random = SplitMixRandom(seed: seed, purpose: "sweep", index: trial)
            return parameters.map { $0.distribution.draw(&random) }
        }
    }

    /// One line per parameter for `check`: `train.batch_size: [16, 32, 64]`, `…: log_uniform(0.0001, 0.1)`.
    public var description: String {
        parameters.map { "\($0.path): \($0.distribution.description)" }.joined(separator: "\n")
    }
}

/// One swept config path and where its values come from.
public struct SweepParameter: Equatable, Sendable {
    /// The dotted path, e.g. `train.optimizer.learning_rate`.
    public var path: String
    /// Its values or distribution.
    public var distribution: SweepDistribution
    /// Where each listed value was written (`file:line:column (sweep)`), for messages.
    public var origins: [String]

    /// Creates a parameter.
    public init(path: String, distribution: SweepDistribution, origins: [String] = []) {
        self.path = path
        self.distribution = distribution
        self.origins = origins
    }
}

/// The values a swept parameter takes.
public enum SweepDistribution: Equatable, Sendable, CustomStringConvertible {
    /// One of these values (YAML text), equally likely.
    case choice([String])
    /// Uniform in [low, high].
    case uniform(Double, Double)
    /// exp(uniform(log low, log high)).
    case logUniform(Double, Double)
    /// A whole number in [low, high], equally likely.
    case intUniform(Int, Int)
    /// The whole number nearest exp(uniform(log low, log(high + 1))) - clamped to [low, high].
    case intLogUniform(Int, Int)

    /// The names a mapping may use.
    public static let names = ["uniform", "log_uniform", "int_uniform", "int_log_uniform"]

    /// One draw, as YAML text; real numbers keep 4 significant digits (readable folder names, and
    /// finer steps than a sweep can tell apart) unless that would take them out of [low, high].
    public func draw(_ random: inout SplitMixRandom) -> String {
        func rounded(_ x: Double, _ low: Double, _ high: Double) -> String {
            let short = Double(String(format: "%.4g", x)) ?? x
            return YAMLText.number(short >= low && short <= high ? short : min(high, max(low, x)))
        }
        switch self {
        case .choice(let values): return values[random.nextInt(below: values.count)]
        case .uniform(let low, let high): return rounded(low + (high - low) * random.nextDouble(), low, high)
        case .logUniform(let low, let high): return rounded(exp(log(low) + (log(high) - log(low)) * random.nextDouble()), low, high)
        case .intUniform(let low, let high): return "\(low + random.nextInt(below: high - low + 1))"
        case .intLogUniform(let low, let high):
            let value = exp(log(Double(low)) + (log(Double(high) + 1) - log(Double(low))) * random.nextDouble())
            return "\(min(high, max(low, Int(value.rounded(.down)))))"
        }
    }

    public var description: String {
        switch self {
        case .choice(let values): return "[" + values.joined(separator: ", ") + "]"
        case .uniform(let a, let b): return "uniform(\(YAMLText.number(a)), \(YAMLText.number(b)))"
        case .logUniform(let a, let b): return "log_uniform(\(YAMLText.number(a)), \(YAMLText.number(b)))"
        case .intUniform(let a, let b): return "int_uniform(\(a), \(b))"
        case .intLogUniform(let a, let b): return "int_log_uniform(\(a), \(b))"
        }
    }
}

/// Successive halving (the synchronous form of ASHA and Hyperband): every point trains `minEpochs`;
/// the best `1/eta` by `metric` continue to `minEpochs·eta` epochs, and so on up to `train.epochs`.
public struct HalvingSpec: Equatable, Sendable, Codable {
    /// The history column that ranks points (lower is better), `val_loss` by default.
    public var metric: String = "val_loss"
    /// Epochs of the first rung.
    public var minEpochs: Int = 1
    /// The reduction factor: 1/eta of the points go on, each rung trains eta times longer.
    public var eta: Int = 3

    /// Creates the settings.
    public init(metric: String = "val_loss", minEpochs: Int = 1, eta: Int = 3) {
        (self.metric, self.minEpochs, self.eta) = (metric, minEpochs, eta)
    }

    /// The epochs each rung trains to, ending at `epochs`: min, min·eta, … (capped).
    public func budgets(epochs: Int) -> [Int] {
        var budgets: [Int] = []
        var budget = min(minEpochs, epochs)
        while true {
            budgets.append(budget)
            if budget >= epochs { return budgets }
            let (next, overflow) = budget.multipliedReportingOverflow(by: eta)
            budget = overflow ? epochs : min(next, epochs)
        }
    }

    /// How many of `count` ranked points go on to the next rung.
    public func survivors(of count: Int) -> Int { max(1, count / eta) }
}
