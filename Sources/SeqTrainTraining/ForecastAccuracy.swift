import Foundation

/// The error measures of a backtest, as forecasting libraries (Darts, sktime, GluonTS) name them.
public enum ForecastMeasure: String, CaseIterable, Sendable {
    /// Mean absolute error, in the series' units.
    case mae
    /// Root mean squared error, in the series' units.
    case rmse
    /// Mean absolute scaled error: MAE over the in-sample MAE of the seasonal-naive forecast.
    case mase
    /// Root mean squared scaled error: RMSE over the in-sample RMSE of the seasonal-naive forecast.
    case rmsse
    /// Symmetric mean absolute percentage error, 200·|y − ŷ| / (|y| + |ŷ|), in percent.
    case smape
}

/// A method's errors over every origin of a backtest: overall, and at each step ahead.
public struct ForecastErrors: Equatable, Sendable {
    /// Each measure over every origin and step.
    public var overall: [ForecastMeasure: Double]
    /// Each measure at steps 1 … H ahead, over every origin.
    public var byStep: [ForecastMeasure: [Double]]

    /// Creates errors from their figures.
    public init(overall: [ForecastMeasure: Double], byStep: [ForecastMeasure: [Double]]) {
        self.overall = overall
        self.byStep = byStep
    }

    /// One measure over every origin and step (NaN when it is undefined, e.g. a zero scale).
    public subscript(_ measure: ForecastMeasure) -> Double { overall[measure] ?? .nan }

    /// The element-wise mean of several columns' errors (the "averaged" figures of a multi-column run).
    public static func mean(_ columns: [ForecastErrors]) -> ForecastErrors {
        guard let first = columns.first, columns.count > 1 else { return columns.first ?? ForecastErrors(overall: [:], byStep: [:]) }
        let count = Double(columns.count)
        var result = ForecastErrors(overall: [:], byStep: [:])
        for measure in ForecastMeasure.allCases {
            result.overall[measure] = columns.map { $0[measure] }.reduce(0, +) / count
            let steps = first.byStep[measure]?.count ?? 0
            result.byStep[measure] = (0..<steps).map { h in columns.map { $0.byStep[measure]?[h] ?? .nan }.reduce(0, +) / count }
        }
        return result
    }
}

/// The scale MASE and RMSSE divide by (Hyndman and Koehler, 2006): the in-sample error of the
/// one-step seasonal-naive forecast, |y_t − y_{t−M}|, over the training rows.
public struct ForecastScale: Equatable, Sendable {
    /// Mean of |y_t − y_{t−M}|.
    public var mae: Double
    /// Square root of the mean of (y_t − y_{t−M})².
    public var rmse: Double

    /// Creates a scale from its figures.
    public init(mae: Double, rmse: Double) {
        self.mae = mae
        self.rmse = rmse
    }

    /// The scale of the training data, given as segments that are each one stretch of consecutive
    /// time (a CSV series' train rows, or each training series of the generator): differences never
    /// cross from one segment to the next. Nil when no segment is longer than the season.
    public init?(training segments: [[Double]], season M: Int) {
        var absolute = 0.0, squared = 0.0, count = 0
        for segment in segments where segment.count > M {
            for t in M..<segment.count {
                let difference = segment[t] - segment[t - M]
                absolute += abs(difference)
                squared += difference * difference
                count += 1
            }
        }
        guard count > 0 else { return nil }
        self.init(mae: absolute / Double(count), rmse: (squared / Double(count)).squareRoot())
    }
}

/// The baseline forecasts a backtest compares a model with, and the error measures. Every function
/// is pure: windows and forecasts are plain values in the series' own units.
public enum ForecastAccuracy {
    /// The baselines, by the names `backtest` prints.
    public static let baselines = ["naive", "seasonal_naive", "mean"]

    /// The last value of the window, repeated `steps` times.
    public static func naive(_ window: [Double], steps: Int) -> [Double] {
        Array(repeating: window.last ?? .nan, count: steps)
    }

    /// The seasonal-naive forecast with period `season` (M): step h after the last input y_T is
    /// y_{T+h−M·(⌊(h−1)/M⌋+1)}, the value one season before, taken from the last season of the window.
    /// The window must hold at least M values.
    public static func seasonalNaive(_ window: [Double], steps: Int, season M: Int) -> [Double] {
        let T = window.count  // y_T is window[T - 1]
        return (0..<steps).map { i in
            let h = i + 1
            return window[T - 1 + h - M * ((h - 1) / M + 1)]
        }
    }

    /// The mean of the window, repeated `steps` times.
    public static func mean(_ window: [Double], steps: Int) -> [Double] {
        Array(repeating: window.reduce(0, +) / Double(window.count), count: steps)
    }

    /// The baseline `name` (one of `baselines`).
    public static func baseline(_ name: String, window: [Double], steps: Int, season: Int) -> [Double] {
        switch name {
        case "naive": return naive(window, steps: steps)
        case "seasonal_naive": return seasonalNaive(window, steps: steps, season: season)
        default: return mean(window, steps: steps)
        }
    }

    /// The errors of `forecasts` against `truths` (one array of H values per origin), with MASE and
    /// RMSSE scaled by `scale`. sMAPE counts a step where both the truth and the forecast are 0 as 0.
    public static func errors(truths: [[Double]], forecasts: [[Double]], scale: ForecastScale) -> ForecastErrors {
        let H = truths.first?.count ?? 0
        var absolute = [Double](repeating: 0, count: H), squared = absolute, percentage = absolute
        for (truth, forecast) in zip(truths, forecasts) {
            for h in 0..<H {
                let error = truth[h] - forecast[h], denominator = abs(truth[h]) + abs(forecast[h])
                absolute[h] += abs(error)
                squared[h] += error * error
                percentage[h] += denominator == 0 ? 0 : 200 * abs(error) / denominator
            }
        }
        let origins = Double(truths.count), all = origins * Double(H)
        let mae = absolute.map { $0 / origins }, rmse = squared.map { ($0 / origins).squareRoot() }
        let overallMAE = absolute.reduce(0, +) / all, overallRMSE = (squared.reduce(0, +) / all).squareRoot()
        return ForecastErrors(
            overall: [.mae: overallMAE, .rmse: overallRMSE, .mase: overallMAE / scale.mae, .rmsse: overallRMSE / scale.rmse,
                      .smape: percentage.reduce(0, +) / all],
            byStep: [.mae: mae, .rmse: rmse, .mase: mae.map { $0 / scale.mae }, .rmsse: rmse.map { $0 / scale.rmse },
                     .smape: percentage.map { $0 / origins }])
    }
}
