import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainTraining

/// A backtest that cannot be made as asked (a season longer than the window, an empty split).
public struct BacktestError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    public var description: String
}

/// A rolling-origin backtest of a run: at every sample of a split (an origin), the run's model and
/// the baselines forecast the next `horizon` steps, and their errors are measured in the target's
/// own units, per step ahead and overall, with MASE and RMSSE scaled by the training rows.
///
/// The origins are the split's samples as `eval --steps` cuts them (a vector target of `horizon`
/// steps, every `stride` rows): each forecast's targets lie in the split, its window may reach back
/// into the rows before. For the generator, each series of the split is one origin.
public struct Backtest {
    /// One target column's figures.
    public struct Column {
        /// The column's name (`value` for the generator).
        public var name: String
        /// The in-sample seasonal-naive error MASE and RMSSE divide by.
        public var scale: ForecastScale
        /// Each method's errors, in the order of `methods`.
        public var errors: [ForecastErrors]
    }

    /// The run folder.
    public var run: String
    /// The split the origins come from.
    public var split: SplitName
    /// The checkpoint whose model forecast (nil for a naive run, which has no model).
    public var checkpoint: String?
    /// How the model forecasts (the chapter's method), nil for a naive run.
    public var modelMethod: String?
    /// Forecast origins.
    public var origins: Int
    /// Steps forecast at each origin.
    public var horizon: Int
    /// The period M of the seasonal-naive forecast and of the scale.
    public var season: Int
    /// The methods compared: `model` (unless the run is naive), then the baselines.
    public var methods: [String]
    /// Each target column's figures.
    public var columns: [Column]

    /// Each method's errors averaged over the target columns (the column's own with one column).
    public var averaged: [ForecastErrors] {
        methods.indices.map { m in ForecastErrors.mean(columns.map { $0.errors[m] }) }
    }

    /// Backtests the run at `path` on `split` with its `checkpoint` (`best` or `last`). `horizon`
    /// defaults to the model's (1 for a next-value model, which forecasts further by feeding its
    /// predictions back when it predicts every input column).
    public static func run(_ path: String, split: SplitName, checkpoint: String, season: Int, horizon: Int? = nil) throws -> Backtest {
        let opened = try OpenedRun.open(path)
        let experiment = opened.experiment
        let H = horizon ?? experiment.data.horizon, T = experiment.data.window
        guard H >= 1 else { throw BacktestError(description: "--horizon must be at least 1, not \(H)") }
        guard season >= 1 else { throw BacktestError(description: "--season must be at least 1, not \(season)") }
        guard season <= T else {
            throw BacktestError(description: "--season \(season) needs the last \(season) steps in each window, but the run's window "
                + "is \(T) steps; use a season of at most \(T)")
        }
        var data = experiment.data
        data.target = .vector
        data.horizon = H
        let dataset = try Dataset(config: data, seed: experiment.seed)
        let samples = Array(dataset.indices(of: split))
        guard !samples.isEmpty else { throw BacktestError(description: "the \(split.rawValue) split of \(path) has no samples") }
        let F = dataset.features, K = dataset.targetFeatures.count

        // The model's forecasts at every origin, standardised like its data: [origin][step][target].
        var modelForecast: [Float]?, method: String?
        if experiment.model != .naive {
            let trained = try opened.trainedModel(checkpoint: checkpoint)
            try trained.checkData(dataset)
            let forecaster = Forecaster(model: trained.model, data: experiment.data)
            var windows: [Float] = []
            windows.reserveCapacity(samples.count * T * F)
            for sample in samples { windows += dataset.window(ofSample: sample) }
            modelForecast = try forecaster.forecast(windows: windows, count: samples.count, steps: H)
            method = forecaster.method
        }

        // Everything below is in the target's own units (standardisation undone, in double precision).
        let unscale = { (value: Float, feature: Int) -> Double in
            dataset.scaling.isEmpty ? Double(value) : Double(value) * dataset.scaling[feature].std + dataset.scaling[feature].mean
        }
        let names: [String]
        switch data.source {
        case .sine: names = ["value"]
        case .csv(let csv): names = csv.targets
        }
        let methods = (modelForecast == nil ? [] : ["model"]) + ForecastAccuracy.baselines
        var columns: [Column] = []
        for (j, f) in dataset.targetFeatures.enumerated() {
            let series = { (row: Int) in unscale(dataset.values[row * F + f], f) }
            guard let scale = ForecastScale(training: trainingSegments(dataset).map { $0.map(series) }, season: season) else {
                throw BacktestError(description: "the training rows are too short for a season of \(season)")
            }
            var truths: [[Double]] = [], windows: [[Double]] = []
            for sample in samples {
                let start = dataset.sampleStarts[sample]
                windows.append((start..<(start + T)).map(series))
                truths.append(((start + T)..<(start + T + H)).map(series))
            }
            var errors: [ForecastErrors] = []
            if let modelForecast {
                let forecasts = samples.indices.map { i in (0..<H).map { k in unscale(modelForecast[(i * H + k) * K + j], f) } }
                errors.append(ForecastAccuracy.errors(truths: truths, forecasts: forecasts, scale: scale))
            }
            for baseline in ForecastAccuracy.baselines {
                let forecasts = windows.map { ForecastAccuracy.baseline(baseline, window: $0, steps: H, season: season) }
                errors.append(ForecastAccuracy.errors(truths: truths, forecasts: forecasts, scale: scale))
            }
            columns.append(Column(name: names[j], scale: scale, errors: errors))
        }
        return Backtest(run: path, split: split, checkpoint: modelForecast == nil ? nil : checkpoint, modelMethod: method,
                        origins: samples.count, horizon: H, season: season, methods: methods, columns: columns)
    }

    /// The training data as stretches of consecutive rows: a CSV series' train rows, or each training
    /// series of the generator (one series never continues into the next).
    static func trainingSegments(_ dataset: Dataset) -> [Range<Int>] {
        switch dataset.config.source {
        case .csv: return [dataset.splitExtents[.train]!]
        case .sine:
            let steps = dataset.config.stepsPerSeries
            return dataset.indices(of: .train).map { dataset.sampleStarts[$0]..<(dataset.sampleStarts[$0] + steps) }
        }
    }

    /// Writes `backtest.svg` (the `measure` by step ahead, one line per method) into the run folder.
    public func writePlot(measure: ForecastMeasure = .mase) throws {
        try AtomicFile.write(RunPlots.backtest(self, measure: measure), to: run + "/backtest.svg")
    }
}
