import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers

/// Forecasts several steps ahead with a trained model, by the chapter's three methods, chosen by
/// what the model predicts: a next-value model is fed its own predictions one step at a time
/// (method 1), a vector model predicts the steps at once (method 2), a sequence-to-sequence model's
/// last time step predicts them (method 3).
public struct Forecaster {
    /// The model, with its weights loaded.
    public let model: Sequential
    /// The data section it was trained on (window, target, horizon).
    public let data: DataConfig

    /// Why a forecast cannot be made.
    public struct ForecastError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// The most steps one request may ask for (a next-value model could go on for ever; memory cannot).
    public static let maxRequestedSteps = 10_000

    /// Creates a forecaster for a model trained on `data`.
    public init(model: Sequential, data: DataConfig) {
        self.model = model
        self.data = data
    }

    /// How this model forecasts, in the chapter's words.
    public var method: String {
        switch data.target {
        case .next: return "method 1: a next-value model fed its own predictions"
        case .vector: return "method 2: a vector model, all steps at once"
        case .sequence: return "method 3: a sequence-to-sequence model, its last time step"
        }
    }

    /// Whether a next-value model's predictions can be fed back as inputs: it predicts every input feature.
    public var feedsBack: Bool { feedbackOrder != nil }

    /// For each input feature, the index of its prediction among the targets; nil when some input
    /// column is not predicted.
    var feedbackOrder: [Int]? {
        switch data.source {
        case .sine: return [0]
        case .csv(let csv):
            guard csv.targets.count == csv.columns.count else { return nil }
            let order = csv.columns.compactMap { csv.targets.firstIndex(of: $0) }
            return order.count == csv.columns.count ? order : nil
        }
    }

    /// The most steps one forecast can cover (unbounded for method 1 when predictions can be fed back).
    public var maxSteps: Int {
        switch data.target {
        case .next: return feedsBack ? Int.max : 1
        case .vector: return data.horizon
        case .sequence: return data.horizon - sequenceLag
        }
    }

    /// Steps between the window's last step and the last step the model's last output sees (0 unless a
    /// strided Conv1D's windows end before the window does): its first predictions are of steps inside the window.
    var sequenceLag: Int { data.window - 1 - (data.targetSteps?.last ?? data.window - 1) }

    /// Forecasts `steps` steps after each of `count` windows (`count × window × features` values,
    /// row-major); returns `count × steps × targets` values, row-major.
    public func forecast(windows: [Float], count: Int, steps: Int) throws -> [Float] {
        let T = data.window, F = data.features, K = data.targetFeatures, H = data.horizon
        precondition(windows.count == count * T * F, "each window has \(T) steps of \(F) values")
        guard (1...Self.maxRequestedSteps).contains(steps) else {
            throw ForecastError(description: "ask for 1 to \(Self.maxRequestedSteps) steps, not \(steps)")
        }
        guard steps <= maxSteps else {
            if data.target == .next {
                throw ForecastError(description: "this next-value model predicts \(K) of its \(F) input columns, so its predictions "
                    + "cannot be fed back as inputs: it forecasts 1 step; train a vector or sequence model for more")
            }
            throw ForecastError(description: "this model forecasts at most \(maxSteps) steps at once (\(method)); ask for 1 to \(maxSteps)")
        }
        let replica = model.replicas[0], order = feedbackOrder ?? []
        let outputSteps = model.outputShape.count / max(model.outputShape.features, 1)
        replica.setMode(.inference)
        var out = [Float](repeating: 0, count: count * steps * K)
        for start in stride(from: 0, to: count, by: replica.maxBatch) {
            let B = min(replica.maxBatch, count - start)
            // Each sample: its window followed by the steps forecast so far (method 1 only).
            var extended = (0..<B).map { Array(windows[((start + $0) * T * F)..<((start + $0 + 1) * T * F)]) }
            let rounds = data.target == .next ? steps : 1
            for round in 0..<rounds {
                let x = replica.input.pointer
                for b in 0..<B {
                    let tail = extended[b].suffix(T * F)
                    for (i, value) in tail.enumerated() { x[((i / F) * B + b) * F + i % F] = value }  // time-major [T][B][F]
                }
                let y = replica.forward(batch: B)
                for b in 0..<B {
                    let row = (start + b) * steps * K
                    switch data.target {
                    case .next:
                        for j in 0..<K { out[row + round * K + j] = y[b * K + j] }
                        if round + 1 < rounds { for j in order { extended[b].append(y[b * K + j]) } }
                    case .vector:
                        for i in 0..<(steps * K) { out[row + i] = y[b * H * K + i] }
                    case .sequence:
                        let last = ((outputSteps - 1) * B + b) * H * K + sequenceLag * K
                        for i in 0..<(steps * K) { out[row + i] = y[last + i] }
                    }
                }
            }
        }
        return out
    }
}

/// The error of a multi-step forecast on the validation split, per horizon step and overall.
public struct MultiStepEvaluation {
    /// Steps ahead.
    public var steps: Int
    /// The forecasting method.
    public var method: String
    /// MSE at each step ahead (1 … steps).
    public var perStep: [Double]
    /// The naive forecast's MSE at each step (the last value repeated).
    public var naivePerStep: [Double]
    /// MSE over all steps.
    public var overall: Double { perStep.reduce(0, +) / Double(perStep.count) }
    /// The naive MSE over all steps.
    public var naiveOverall: Double { naivePerStep.reduce(0, +) / Double(naivePerStep.count) }
    /// For a CSV series, each target column's error in the column's own units (standardisation undone).
    public var inUnits: [ColumnError] = []

    /// Creates an evaluation.
    public init(steps: Int, method: String, perStep: [Double], naivePerStep: [Double]) {
        self.steps = steps
        self.method = method
        self.perStep = perStep
        self.naivePerStep = naivePerStep
    }

    /// One target column's root-mean-square error per step ahead, in its own units.
    public struct ColumnError {
        /// The column.
        public var column: String
        /// The model's RMSE at each step ahead.
        public var perStep: [Double]
        /// The naive forecast's RMSE at each step ahead.
        public var naivePerStep: [Double]
        /// Creates a column's errors.
        public init(column: String, perStep: [Double], naivePerStep: [Double]) {
            self.column = column
            self.perStep = perStep
            self.naivePerStep = naivePerStep
        }

        /// The model's RMSE over all steps.
        public var overall: Double { (perStep.map { $0 * $0 }.reduce(0, +) / Double(perStep.count)).squareRoot() }
        /// The naive RMSE over all steps.
        public var naiveOverall: Double { (naivePerStep.map { $0 * $0 }.reduce(0, +) / Double(naivePerStep.count)).squareRoot() }
    }
}
