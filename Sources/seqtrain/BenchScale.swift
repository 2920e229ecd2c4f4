import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain bench --scale`: each (series, units) point measured in a child process, then the table and the plot.
extension Bench {
    /// The scale config: the one given, or deep_rnn.
    var scaleConfig: String { configs.first ?? "configs/deep_rnn.yaml" }

    /// A comma-separated list of positive counts.
    static func counts(_ text: String, option: String, range: ClosedRange<Int>) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) ?? false }) else {
            throw ValidationError("\(option) takes comma-separated whole numbers from \(range.lowerBound) to \(range.upperBound), e.g. 10000,100000")
        }
        return values.compactMap { $0 }
    }

    /// The hidden `--scale-point SERIES,UNITS` a child measures, within the limits `--scale` checks.
    static func scalePoint(_ text: String) throws -> (series: Int, units: Int) {
        let values = try counts(text, option: "--scale-point", range: 1...10_000_000)
        guard values.count == 2, values[0] >= 10, values[1] <= maxRecurrentUnits else {
            throw ValidationError("--scale-point takes SERIES,UNITS: a series count from 10 to 10000000 and units from 1 to \(maxRecurrentUnits)")
        }
        return (values[0], values[1])
    }

    func validateScale() throws {
        guard configs.count <= 1 else { throw ValidationError("--scale measures one config, got \(configs.count)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        _ = try Self.counts(series, option: "--series", range: 10...10_000_000)
        _ = try Self.counts(scaleUnits, option: "--scale-units", range: 1...maxRecurrentUnits)
    }

    func runScale() throws {
        let base = try ExperimentParser.load(path: scaleConfig, overrides: try overrides.parsed())
        guard base.model != .naive, ScaleBenchmark.experiment(base, series: 1, units: 1) != nil else {
            throw ValidationError("\(scaleConfig): bench --scale needs a trained model on generated data (data.source: {generator: sine})")
        }
        if let scalePoint {
            try ChildProcesses.stopWithParent(graceful: false)
            let point = try Self.scalePoint(scalePoint)
            let measured = try ScaleBenchmark.measure(base, series: point.series, units: point.units, steps: steps, threads: threading.threads)
            print(Self.json(measured).rendered(), terminator: "")
            return
        }
        try AtomicFile.checkWritable(output)  // before the measuring, which may take hours, not after it
        var points: [ScalePoint] = []
        for units in try Self.counts(scaleUnits, option: "--scale-units", range: 1...maxRecurrentUnits) {
            for count in try Self.counts(series, option: "--series", range: 10...10_000_000) {
                let object = try Self.runChild(["bench", "--scale-point", "\(count),\(units)", scaleConfig, "--steps", "\(steps)",
                                                "--threads", "\(threading.threads)"] + overrides.values.flatMap { ["--set", $0] },
                                               what: "measuring \(count) series, \(units) units")
                guard let point = Self.point(object) else { throw ValidationError("measuring \(count) series, \(units) units gave no result") }
                points.append(point)
            }
        }
        if json {
            print(JSONValue.array(points.map(Self.json)).rendered(), terminator: "")
        } else {
            print(ScaleBenchmark.table(points, config: scaleConfig, threads: threading.threads))
        }
        try AtomicFile.write(ScalePlot.svg(points, title: base.name), to: output)
        if !json { print("plot written to \(output)") }
    }

    static func json(_ p: ScalePoint) -> JSONValue {
        .object([("series", .int(p.series)), ("units", .int(p.units)), ("data_seconds", .number(p.dataSeconds)),
                 ("setup_seconds", .number(p.setupSeconds)), ("order_seconds", .number(p.orderSeconds)),
                 ("step_seconds", .number(p.stepSeconds)), ("timed_steps", .int(p.timedSteps)), ("steps_per_epoch", .int(p.stepsPerEpoch)),
                 ("peak_memory_bytes", .int(p.peakMemoryBytes)), ("data_bytes", .int(p.dataBytes))])
    }

    static func point(_ object: [String: Any]) -> ScalePoint? {
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        guard let series = number("series"), let units = number("units"), let data = number("data_seconds"),
              let setup = number("setup_seconds"), let order = number("order_seconds"), let step = number("step_seconds"),
              let timed = number("timed_steps"), let perEpoch = number("steps_per_epoch"), let peak = number("peak_memory_bytes"),
              let bytes = number("data_bytes") else { return nil }
        return ScalePoint(series: Int(series), units: Int(units), dataSeconds: data, setupSeconds: setup, orderSeconds: order,
                          stepSeconds: step, timedSteps: Int(timed), stepsPerEpoch: Int(perEpoch), peakMemoryBytes: Int(peak),
                          dataBytes: Int(bytes))
    }
}
