import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// The pictures of a run: its learning curves and a few validation forecasts.
public enum RunPlots {
    /// Log scale when every value is positive and they span more than a factor of 10.
    static func wantsLog(_ values: [Double]) -> Bool {
        guard let low = values.min(), let high = values.max(), low > 0 else { return false }
        return high / low > 10
    }

    /// `curves.svg`: the loss and every metric per epoch, training solid and validation dashed (the
    /// learning rate, another scale, is left to `seqtrain plot --metric lr`).
    public static func curves(_ history: History, title: String, logScale: Bool? = nil) -> String {
        let names = history.header.dropFirst().filter { !$0.hasPrefix("val_") && $0 != "lr" }
        var series: [LineChart.Series] = []
        for (color, name) in names.enumerated() {
            for (column, dashed) in [(name, false), ("val_" + name, true)] {
                guard let index = history.header.firstIndex(of: column) else { continue }
                let points = history.rows.compactMap { row in Double(row[index]).map { (x: Double(row[0]) ?? 0, y: $0) } }
                series.append(LineChart.Series(name: column, points: points, dashed: dashed, color: color))
            }
        }
        let log = logScale ?? wantsLog(series.flatMap { $0.points.map(\.y) })
        return LineChart(title: title, xLabel: "epoch", yLabel: "loss and metrics", logScale: log, series: series).svg()
    }

    /// `forecast.svg`: a few validation samples, their input window, the true next values and the
    /// model's forecast of them (as in the chapter's figures). Each sample has one colour: its input
    /// is a line, the truth dots, the forecast a dashed line with crosses. A CSV series is drawn in its
    /// own units (standardisation undone), its first target column when there are several. Nil when the
    /// model forecasts no step past its window (a strided Conv1D whose last output ends a horizon or
    /// more before the window does).
    public static func forecast(model: Sequential, experiment: Experiment, dataset: Dataset, count: Int = 3) throws -> String? {
        let data = experiment.data
        // Spread over the split: consecutive windows of one long series would nearly coincide.
        let valid = dataset.indices(of: .valid), shown = min(count, valid.count)
        let samples = (0..<shown).map { valid.lowerBound + $0 * (valid.count - 1) / max(1, shown - 1) }
        let forecaster = Forecaster(model: model, data: data)
        // A sequence model whose last output ends before the window does forecasts fewer steps than the horizon.
        let steps = data.target == .next ? 1 : min(data.horizon, forecaster.maxSteps)
        guard steps >= 1 else { return nil }
        let T = data.window, F = dataset.features, K = dataset.targetFeatures.count, f = dataset.targetFeatures[0]
        let windows = samples.flatMap { dataset.window(ofSample: $0) }
        let forecast = try forecaster.forecast(windows: windows, count: samples.count, steps: steps)
        let unscale = { (x: Float) in Double(dataset.scaling.isEmpty ? x : dataset.scaling[f].invert(x)) }
        var series: [LineChart.Series] = []
        for (k, sample) in samples.enumerated() {
            let window = Array(dataset.window(ofSample: sample)), future = dataset.future(ofSample: sample, steps: steps)
            let name = samples.count == 1 ? "" : "sample \(k + 1): "
            let input = (0..<T).map { (x: Double($0), y: unscale(window[$0 * F + f])) }
            let truth = (0..<steps).map { (x: Double(T + $0), y: unscale(future[$0 * K])) }
            let predicted = (0..<steps).map { (x: Double(T + $0), y: unscale(forecast[(k * steps + $0) * K])) }
            series.append(LineChart.Series(name: name + "input", points: input, color: k))
            series.append(LineChart.Series(name: name + "truth", points: truth, markers: true, color: k, marker: .dot, line: false))
            series.append(LineChart.Series(name: name + "forecast", points: predicted, dashed: true, markers: true, color: k, marker: .cross))
        }
        var yLabel = "value"
        if case .csv(let csv) = data.source { yLabel = csv.columns[f] }
        let title = "\(experiment.name): \(steps) step\(steps == 1 ? "" : "s") ahead on validation samples"
        return LineChart(title: title, xLabel: "time step", yLabel: yLabel, series: series).svg()
    }

    /// `backtest.svg`: one error measure by step ahead, one line per method (the model solid, the
    /// baselines dashed), averaged over the target columns.
    public static func backtest(_ result: Backtest, measure: ForecastMeasure) -> String {
        let averaged = result.averaged
        let series = result.methods.enumerated().map { m, name in
            LineChart.Series(name: name, points: (0..<result.horizon).map { (x: Double($0 + 1), y: averaged[m].byStep[measure]?[$0] ?? .nan) },
                             dashed: name != "model", markers: true, color: m)
        }
        let url = URL(fileURLWithPath: result.run)
        let title = "\(url.deletingLastPathComponent().lastPathComponent): \(measure.rawValue) by step ahead, "
            + "\(result.split.rawValue) split, \(result.origins) origins"
        return LineChart(title: title, xLabel: "steps ahead", yLabel: measure.rawValue + (measure == .smape ? " (%)" : ""), series: series).svg()
    }

    /// Several runs' curves of one history column, overlaid (`seqtrain plot`).
    public static func overlay(_ runs: [OpenedRun], metric: String, logScale: Bool?) throws -> String {
        var series: [LineChart.Series] = []
        for (index, run) in runs.enumerated() {
            let points = try run.historyColumn(metric).enumerated().map { (x: Double($0.offset + 1), y: Double($0.element)) }
            let url = URL(fileURLWithPath: run.path)
            let label = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
            series.append(LineChart.Series(name: label, points: points, color: index))
        }
        let log = logScale ?? wantsLog(series.flatMap { $0.points.map(\.y) })
        return LineChart(title: "\(metric) of \(runs.count) run\(runs.count == 1 ? "" : "s")", xLabel: "epoch", yLabel: metric,
                         logScale: log, series: series).svg()
    }
}
