import Dispatch
import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel

/// One point of `seqtrain bench --scale`: an experiment with `series` generated series and `units`
/// in its recurrent layers, what building its data and a fixed number of training steps cost.
public struct ScalePoint: Equatable, Sendable {
    /// Generated series (N).
    public var series: Int
    /// Units of every recurrent layer but the last.
    public var units: Int
    /// Wall seconds to generate the series and cut them into samples (`Dataset(config:seed:)`).
    public var dataSeconds: Double
    /// Wall seconds to build the model and its trainer (weights, buffers, worker threads).
    public var setupSeconds: Double
    /// Wall seconds of the epoch's sample order (the shuffle of the training samples).
    public var orderSeconds: Double
    /// Median wall seconds of one of the timed training steps (batch, forward, backward, optimizer).
    public var stepSeconds: Double
    /// Training steps timed.
    public var timedSteps: Int
    /// Training steps of a whole epoch.
    public var stepsPerEpoch: Int
    /// Peak resident memory of the process that measured this point, in bytes.
    public var peakMemoryBytes: Int
    /// Bytes of the data: values and sample starts.
    public var dataBytes: Int

    /// Creates a point.
    public init(series: Int, units: Int, dataSeconds: Double, setupSeconds: Double, orderSeconds: Double, stepSeconds: Double,
                timedSteps: Int, stepsPerEpoch: Int, peakMemoryBytes: Int, dataBytes: Int) {
        (self.series, self.units, self.dataSeconds, self.setupSeconds, self.orderSeconds) = (series, units, dataSeconds, setupSeconds, orderSeconds)
        (self.stepSeconds, self.timedSteps, self.stepsPerEpoch, self.peakMemoryBytes, self.dataBytes)
            = (stepSeconds, timedSteps, stepsPerEpoch, peakMemoryBytes, dataBytes)
    }

    /// What was timed: data, setup, the order, and the timed steps at their median.
    public var timedSeconds: Double { dataSeconds + setupSeconds + orderSeconds + Double(timedSteps) * stepSeconds }
    /// A whole training epoch, estimated: the order plus every step at the median step time.
    public var epochSeconds: Double { orderSeconds + Double(stepsPerEpoch) * stepSeconds }
}

/// How a figure grows with the series count at one width: the extra cost per series between
/// consecutive series counts. Linear growth keeps it about constant.
public struct ScaleGrowth: Equatable, Sendable {
    /// The units these points share.
    public var units: Int
    /// The figure, e.g. "data + setup s".
    public var figure: String
    /// The extra amount per 100,000 series between each pair of consecutive series counts.
    public var marginalPer100k: [Double]

    /// At most this ratio between the largest and smallest marginal cost counts as linear (timings are noisy).
    public static let tolerance = 2.0

    /// Creates a growth from its marginal costs.
    public init(units: Int, figure: String, marginalPer100k: [Double]) {
        (self.units, self.figure, self.marginalPer100k) = (units, figure, marginalPer100k)
    }

    /// The marginal costs agree within `tolerance`, all positive: the figure grows linearly in N.
    public var isLinear: Bool {
        guard let low = marginalPer100k.min(), let high = marginalPer100k.max(), low > 0 else { return false }
        return high / low <= Self.tolerance
    }

    /// The growth of `value` over `points` (one width, any order), by series count.
    public static func of(_ points: [ScalePoint], figure: String, _ value: (ScalePoint) -> Double) -> ScaleGrowth {
        let sorted = points.sorted { $0.series < $1.series }
        let marginal = zip(sorted, sorted.dropFirst()).map { a, b -> Double in
            (value(b) - value(a)) / Double(b.series - a.series) * 100_000
        }
        return ScaleGrowth(units: sorted.first?.units ?? 0, figure: figure, marginalPer100k: marginal)
    }
}

/// `seqtrain bench --scale`: time and memory against the series count and the width.
public enum ScaleBenchmark {
    /// The default series counts.
    public static let defaultSeries = [10_000, 100_000, 300_000, 1_000_000]
    /// The default widths.
    public static let defaultUnits = [20, 64, 128, 256]

    /// `base` with `series` generated series, split 70/20/10 as fractions, and `units` in its
    /// recurrent layers but the last. Nil when `base` does not generate its data.
    public static func experiment(_ base: Experiment, series: Int, units: Int) -> Experiment? {
        guard case .sine = base.data.source else { return nil }
        var experiment = Benchmark.widened(base, units: units)
        experiment.data.source = .sine(series: series)
        experiment.data.split = Split(train: .fraction(0.7), valid: .fraction(0.2), test: .fraction(0.1))
        return experiment
    }

    /// Measures one point in this process: builds the data, the model and trainer, the first epoch's
    /// order, then times `steps` training steps. Peak memory is this process's, so run each point in
    /// a fresh process for a clean figure.
    public static func measure(_ base: Experiment, series: Int, units: Int, steps: Int, threads: Int) throws -> ScalePoint {
        guard let experiment = experiment(base, series: series, units: units) else {
            throw ConfigErrors([Diagnostic(file: base.name, position: nil, message: "bench --scale needs generated data (data.source: {generator: sine})",
                                           suggestion: "the series count of a CSV file cannot be varied")])
        }
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        var start = now()
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let dataSeconds = now() - start
        start = now()
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        let setupSeconds = now() - start
        start = now()
        _ = trainer.order(epoch: 1)
        let orderSeconds = now() - start
        // The timed steps are the first `steps` of epoch 1 (which computes its order again, untimed).
        var stepTimes: [Double] = []
        var stepStart = 0.0
        do {
            _ = try trainer.trainEpoch(1, stopRequested: {
                if stepTimes.count >= steps { return true }
                stepStart = now()
                return false
            }, onBatch: { _, _ in stepTimes.append(now() - stepStart) })
        } catch is TrainingStopped {}
        stepTimes.sort()
        let median = stepTimes.isEmpty ? 0 : (stepTimes[(stepTimes.count - 1) / 2] + stepTimes[stepTimes.count / 2]) / 2
        return ScalePoint(series: series, units: units, dataSeconds: dataSeconds, setupSeconds: setupSeconds, orderSeconds: orderSeconds,
                          stepSeconds: median, timedSteps: stepTimes.count, stepsPerEpoch: trainer.stepsPerEpoch,
                          peakMemoryBytes: Benchmark.peakMemoryBytes(),
                          dataBytes: dataset.values.count * MemoryLayout<Float>.size + dataset.sampleStarts.count * MemoryLayout<Int>.size)
    }

    /// The growth, at each width, of the time that depends on the series count (the data and the
    /// epoch's order; setup and the fixed number of steps do not) and of peak memory.
    public static func growth(_ points: [ScalePoint]) -> [ScaleGrowth] {
        let widths = Array(Set(points.map(\.units))).sorted()
        return widths.flatMap { units -> [ScaleGrowth] in
            let row = points.filter { $0.units == units }
            return [ScaleGrowth.of(row, figure: "data + order s") { $0.dataSeconds + $0.orderSeconds },
                    ScaleGrowth.of(row, figure: "peak MiB") { Double($0.peakMemoryBytes) / 1_048_576 }]
        }
    }

    /// The table `bench --scale` prints: one row per point, then how time and memory grow per width.
    public static func table(_ points: [ScalePoint], config: String, threads: Int) -> String {
        let header = ["series", "units", "data s", "setup s", "order s", "ms/step", "timed s", "steps/epoch", "epoch s (est.)",
                      "data MiB", "peak MiB"]
        let rows = points.map { p -> [String] in
            [String(p.series), String(p.units), String(format: "%.3f", p.dataSeconds), String(format: "%.3f", p.setupSeconds),
             String(format: "%.4f", p.orderSeconds), String(format: "%.3f", p.stepSeconds * 1000), String(format: "%.3f", p.timedSeconds),
             String(p.stepsPerEpoch), String(format: "%.2f", p.epochSeconds), String(format: "%.1f", Double(p.dataBytes) / 1_048_576),
             String(format: "%.1f", Double(p.peakMemoryBytes) / 1_048_576)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  ")
        }
        let steps = points.first?.timedSteps ?? 0
        var out = ["seqtrain bench --scale: \(config), \(threads) thread\(threads == 1 ? "" : "s"); timed = data + setup + order + "
                   + "\(steps) training steps (each point in its own process)", line(header)] + rows.map(line)
        out.append("growth with the series count (extra cost per 100,000 series between consecutive counts):")
        for growth in growth(points) {
            let marginal = growth.marginalPer100k.map { String(format: "%.3g", $0) }.joined(separator: ", ")
            out.append("  units \(growth.units) \(growth.figure): \(marginal) -> "
                       + (growth.isLinear ? "linear" : "not linear") + " (within \(Int(ScaleGrowth.tolerance))x)")
        }
        return out.joined(separator: "\n")
    }
}
