import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain predict RUN_DIR --input FILE.csv`: forecast the steps after a user's series.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast the values after a series given in a CSV file, with a run's checkpoint.",
        discussion: """
            For a run trained on generated series, the input is one value per line (with a CSV row, the last \
            column); a header line is allowed. For a run trained on a CSV file, the input is a CSV file with the \
            same columns (a header row names them); it is standardised as the training data was, and the forecast \
            is given in the original units. The last `window` rows are the model's input. The forecast is printed \
            and written as CSV.
            Example: seqtrain predict runs/nino12/20261129T205422Z --input data/nino12-sst.csv --steps 12
            """)

    @Argument(help: "The run folder.", completion: .directory)
    var runDir: String

    @Option(help: "The series: a CSV file with the run's columns, or (generated-data runs) one value per line.", completion: .file(extensions: ["csv", "txt"]))
    var input: String

    @Option(help: "Steps to forecast (default: the model's horizon; any number for a next-value model).")
    var steps: Int?

    @Option(help: "Which checkpoint: best or last.")
    var checkpoint: CheckpointChoice = .best

    @Option(help: "Where to write the forecast CSV (default: <input name>-forecast.csv in the current folder).")
    var output: String?

    func run() throws {
        try withErrorReporting {
            let trained = try OpenedRun.open(runDir).trainedModel(checkpoint: checkpoint.rawValue)
            let data = trained.experiment.data
            let window = data.window
            // The model's input: the last `window` steps, every input column, standardised as in training.
            var inputs: [Float], names: [String]
            switch data.source {
            case .sine:
                inputs = try SeriesFile.read(input)
                names = ["forecast"]
            case .csv(let csv):
                inputs = try CSVFile.read(path: input, columns: csv.columns, role: "the run's data.source.columns").values
                if !trained.scaling.isEmpty { ColumnScaling.standardize(&inputs, with: trained.scaling) }
                names = csv.targets
            }
            let rows = inputs.count / data.features
            guard rows >= window else {
                throw RunStateError(description: "\(input) has \(rows) rows; the model reads windows of \(window)")
            }
            let forecaster = Forecaster(model: trained.model, data: data)
            let count = steps ?? (data.target == .next ? 1 : data.horizon)
            let forecast = try forecaster.forecast(windows: Array(inputs.suffix(window * data.features)), count: 1, steps: count)
            let scaling = trained.targetScaling, K = names.count
            var csv = (["step"] + names).map(CSVText.field).joined(separator: ",") + "\n"
            for k in 0..<count {
                csv += "\(k + 1)," + (0..<K).map { "\(scaling[$0].invert(forecast[k * K + $0]))" }.joined(separator: ",") + "\n"
            }
            print(csv, terminator: "")
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            let path = output ?? "\(stem)-forecast.csv"
            try AtomicFile.write(csv, to: path)
            FileHandle.standardError.write(Data("\(forecaster.method); forecast written to \(path)\n".utf8))
        }
    }
}
