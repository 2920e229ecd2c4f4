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

    /// The most steps one forecast can cover (unbounded for method 1).
    public var maxSteps: Int { data.target == .next ? Int.max : data.horizon }

    /// Forecasts `steps` values after each of `count` windows (`count × window` values, row-major);
    /// returns `count × steps` values, row-major.
    public func forecast(windows: [Float], count: Int, steps: Int) throws -> [Float] {
        let T = data.window
        precondition(windows.count == count * T, "each window has \(T) values")
        guard steps >= 1, steps <= maxSteps else {
            throw ForecastError(description: "this model forecasts at most \(data.horizon) steps at once (\(method)); ask for 1 to \(data.horizon)")
        }
        let replica = model.replicas[0]
        var out = [Float](repeating: 0, count: count * steps)
        for start in stride(from: 0, to: count, by: replica.maxBatch) {
            let B = min(replica.maxBatch, count - start)
            // Each series: its window followed by the values forecast so far.
            var extended = [[Float]](repeating: [], count: B)
            for b in 0..<B { extended[b] = Array(windows[((start + b) * T)..<((start + b + 1) * T)]) }
            let rounds = data.target == .next ? steps : 1
            for _ in 0..<rounds {
                let x = replica.input.pointer
                for b in 0..<B {
                    let tail = extended[b].suffix(T)
                    for (t, value) in tail.enumerated() { x[t * B + b] = value }  // time-major [T][B][1]
                }
                let y = replica.forward(batch: B)
                for b in 0..<B {
                    switch data.target {
                    case .next: extended[b].append(y[b])
                    case .vector: for k in 0..<steps { extended[b].append(y[b * data.horizon + k]) }
                    case .sequence:
                        let last = (T - 1) * B * data.horizon
                        for k in 0..<steps { extended[b].append(y[last + b * data.horizon + k]) }
                    }
                }
            }
            for b in 0..<B {
                for k in 0..<steps { out[(start + b) * steps + k] = extended[b][T + k] }
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
}

extension TrainingRun {
    /// Forecasts `steps` values after every validation window of a run and compares them with the
    /// truth. The series are drawn with `window + steps` steps from the run's seed (what the chapter
    /// does for its 10-steps-ahead comparison), so models of every target are measured on the same data.
    public static func evaluateSteps(run: RunFolder, steps: Int, checkpoint: String) throws -> MultiStepEvaluation {
        let (experiment, model) = try trainedModel(run, checkpoint: checkpoint)
        var data = experiment.data
        data.target = .vector
        data.horizon = steps
        let dataset = Dataset(config: data, seed: experiment.seed)
        let forecaster = Forecaster(model: model, data: experiment.data)
        let rows = Array(dataset.indices(of: .valid))
        let S = data.stepsPerSeries, T = data.window
        var windows: [Float] = []
        windows.reserveCapacity(rows.count * T)
        for row in rows { windows += dataset.series[(row * S)..<(row * S + T)] }
        let forecast = try forecaster.forecast(windows: windows, count: rows.count, steps: steps)
        var perStep = [Double](repeating: 0, count: steps), naive = [Double](repeating: 0, count: steps)
        for (i, row) in rows.enumerated() {
            let last = dataset.series[row * S + T - 1]
            for k in 0..<steps {
                let truth = dataset.series[row * S + T + k]
                let e = forecast[i * steps + k] - truth, n = last - truth
                perStep[k] += Double(e * e)
                naive[k] += Double(n * n)
            }
        }
        let count = Double(rows.count)
        return MultiStepEvaluation(steps: steps, method: forecaster.method,
                                   perStep: perStep.map { $0 / count }, naivePerStep: naive.map { $0 / count })
    }
}
