import ArgumentParser
import SeqTrain

/// `seqtrain backtest RUN_DIR`: a rolling-origin backtest against the naive, seasonal-naive and mean forecasts.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Forecast from every sample of a split and compare the model with naive baselines in scale-free errors.",
        discussion: """
            Every sample of the split is a forecast origin. The run's model forecasts --horizon steps by its own \
            method (all at once for vector and sequence targets, fed back for a next-value model); so do the \
            naive (last value), seasonal-naive (the value one season earlier) and mean (of the window) forecasts. \
            Errors are in the target's own units: mae, rmse, mase and rmsse (scaled by the seasonal-naive error \
            on the train rows, Hyndman and Koehler) and smape (percent), per step ahead and overall. Writes \
            backtest.svg (the error by step ahead) into the run folder.
            Example: seqtrain backtest runs/nino12/20261129T205422Z --split test --season 12
            """)

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, csv, json }

    @Argument(help: "A run folder, e.g. runs/nino12/20261129T205422Z.", completion: .directory)
    var runDir: String

    @Option(help: "The split whose samples are the origins: valid or test.")
    var split: SplitChoice = .valid

    @Option(help: "Which checkpoint: best or last.")
    var checkpoint: CheckpointChoice = .best

    @Option(help: "The season M of the seasonal-naive forecast and of the MASE/RMSSE scale (12 for monthly data).")
    var season: Int = 1

    @Option(help: "Steps ahead (default: the model's horizon; a next-value model that predicts every input column can go further).")
    var horizon: Int?

    @Option(help: "The measure of the by-step table and of backtest.svg: mae, rmse, mase, rmsse or smape.")
    var metric: String = "mase"

    @Option(help: "Output format: text, csv or json.")
    var format: Format = .text

    func validate() throws {
        guard season >= 1 else { throw ValidationError("--season must be at least 1") }
        if let horizon, horizon < 1 { throw ValidationError("--horizon must be at least 1") }
        guard ForecastMeasure(rawValue: metric) != nil else {
            throw ValidationError("--metric must be one of " + ForecastMeasure.allCases.map(\.rawValue).joined(separator: ", ")
                + " (" + Suggest.hint(for: metric, in: ForecastMeasure.allCases.map(\.rawValue)) + ")")
        }
    }

    func run() throws {
        try withErrorReporting {
            let measure = ForecastMeasure(rawValue: metric) ?? .mase
            let result = try Backtest.run(runDir, split: split.split, checkpoint: checkpoint.rawValue, season: season, horizon: horizon)
            switch format {
            case .text: print(result.text(stepMeasure: measure), terminator: "")
            case .csv: print(result.csv, terminator: "")
            case .json: print(result.json.rendered(), terminator: "")
            }
            do {
                try result.writePlot(measure: measure)
            } catch {
                printError("note: backtest.svg not written: \(error)")
            }
        }
    }
}
