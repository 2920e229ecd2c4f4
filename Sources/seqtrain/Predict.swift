import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain predict RUN_DIR --input FILE.csv`: forecast the steps after a user's series.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the values after a series given in a CSV file, with a run's checkpoint.",
        discussion: """
            The input is one value per line (with a CSV row, the last column); a header line is allowed. The last \
            `window` values are the model's input. The forecast is printed and written as CSV.
            """)

    @Argument(help: "The run folder.")
    var runDir: String

    @Option(help: "The series: one value per line, or CSV rows whose last column is the value.")
    var input: String

    @Option(help: "Steps to forecast (default: the model's horizon; any number for a next-value model).")
    var steps: Int?

    @Option(help: "Which checkpoint: best or last.")
    var checkpoint: CheckpointChoice = .best

    @Option(help: "Where to write the forecast CSV (default: <input name>-forecast.csv in the current folder).")
    var output: String?

    func run() throws {
        try withErrorReporting {
            let run = try RunFolder(existing: runDir)
            let (experiment, model) = try TrainingRun.trainedModel(run, checkpoint: checkpoint.rawValue)
            let values = try SeriesFile.read(input)
            let window = experiment.data.window
            guard values.count >= window else {
                throw RunStateError(description: "\(input) has \(values.count) values; the model reads windows of \(window)")
            }
            let forecaster = Forecaster(model: model, data: experiment.data)
            let count = steps ?? experiment.data.horizon
            let forecast = try forecaster.forecast(windows: Array(values.suffix(window)), count: 1, steps: count)
            let csv = "step,forecast\n" + forecast.enumerated().map { "\($0 + 1),\($1)" }.joined(separator: "\n") + "\n"
            print(csv, terminator: "")
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            let path = output ?? "\(stem)-forecast.csv"
            try AtomicFile.write(csv, to: path)
            FileHandle.standardError.write(Data("\(forecaster.method); forecast written to \(path)\n".utf8))
        }
    }
}
