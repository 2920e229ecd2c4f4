import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

extension TrainingRun {
    /// Forecasts `steps` steps after every validation window of a run and compares them with the
    /// truth, in the units the model was trained in. Samples are cut with a horizon of `steps` (for
    /// the generator, series drawn with `window + steps` steps from the run's seed, as the chapter does
    /// for its 10-steps-ahead comparison), so models of every target are measured on the same data.
    public static func evaluateSteps(run path: String, steps: Int, checkpoint: String) throws -> MultiStepEvaluation {
        guard (1...Forecaster.maxRequestedSteps).contains(steps) else {
            throw RunStateError(description: "--steps must be between 1 and \(Forecaster.maxRequestedSteps), not \(steps)")
        }
        let trained = try OpenedRun.open(path).trainedModel(checkpoint: checkpoint)
        var data = trained.experiment.data
        data.target = .vector
        data.horizon = steps
        let dataset = try Dataset(config: data, seed: trained.experiment.seed)
        try trained.checkData(dataset)
        let forecaster = Forecaster(model: trained.model, data: trained.experiment.data)
        let samples = Array(dataset.indices(of: .valid))
        let T = data.window, F = dataset.features, K = dataset.targetFeatures.count
        var windows: [Float] = []
        windows.reserveCapacity(samples.count * T * F)
        for sample in samples { windows += dataset.window(ofSample: sample) }
        let forecast = try forecaster.forecast(windows: windows, count: samples.count, steps: steps)
        // Squared errors summed per step ahead and target column.
        var errors = [Double](repeating: 0, count: steps * K), naive = errors
        for (i, sample) in samples.enumerated() {
            let window = dataset.window(ofSample: sample), truth = dataset.future(ofSample: sample, steps: steps)
            for k in 0..<steps {
                for (j, f) in dataset.targetFeatures.enumerated() {
                    let e = forecast[(i * steps + k) * K + j] - truth[k * K + j]
                    let n = window[window.startIndex + (T - 1) * F + f] - truth[k * K + j]
                    errors[k * K + j] += Double(e * e)
                    naive[k * K + j] += Double(n * n)
                }
            }
        }
        let count = Double(samples.count)
        let stepMean = { (sums: [Double]) in (0..<steps).map { k in sums[(k * K)..<((k + 1) * K)].reduce(0, +) / (count * Double(K)) } }
        var result = MultiStepEvaluation(steps: steps, method: forecaster.method, perStep: stepMean(errors), naivePerStep: stepMean(naive))
        if case .csv(let csv) = data.source {
            let scaling = trained.targetScaling
            result.inUnits = csv.targets.enumerated().map { j, column in
                let rmse = { (sums: [Double]) in (0..<steps).map { k in (sums[k * K + j] / count).squareRoot() * scaling[j].std } }
                return MultiStepEvaluation.ColumnError(column: column, perStep: rmse(errors), naivePerStep: rmse(naive))
            }
        }
        return result
    }
}
