import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// A `history.csv` that cannot be read as one.
public struct HistoryFormatError: Error, CustomStringConvertible {
    /// The file.
    public var file: String
    /// What is wrong with it.
    public var problem: String
    /// What a user should read.
    public var description: String { "cannot read \(file): \(problem)" }
}

/// The per-epoch table of a run, `history.csv`: `epoch,loss,<metrics>,val_loss,val_<metrics>,lr`,
/// where `lr` is the learning rate at the end of the epoch.
///
/// Runs made before the `lr` column have histories without it. They are read as they are and keep
/// their layout when resumed (a row is appended without its rate), so one file is one table.
public struct History {
    /// Column names.
    public let header: [String]
    /// Rows of formatted values (float32 shortest form).
    public private(set) var rows: [[String]] = []
    /// Whether the table has the `lr` column (false for a run made before it).
    public let recordsLearningRate: Bool
    private let metricCount: Int

    /// An empty history for an experiment's metrics.
    public init(metrics: [MetricKind]) {
        self.init(metrics: metrics, recordsLearningRate: true)
    }

    private init(metrics: [MetricKind], recordsLearningRate: Bool) {
        let columns = TrainConfig.historyColumns(metrics: metrics)
        header = recordsLearningRate ? columns : Array(columns.dropLast())
        self.recordsLearningRate = recordsLearningRate
        metricCount = metrics.count
    }

    /// Reads a run's `history.csv`, checking its columns (with or without `lr`).
    public init(csv text: String, metrics: [MetricKind], file: String) throws {
        let lines = text.split(separator: "\n").map(String.init)
        let current = TrainConfig.historyColumns(metrics: metrics).joined(separator: ",")
        let legacy = TrainConfig.historyColumns(metrics: metrics).dropLast().joined(separator: ",")
        guard lines.first == current || lines.first == legacy else {
            throw HistoryFormatError(file: file, problem: "expected the header \(current) (or, from a run made before the lr column, \(legacy))")
        }
        self.init(metrics: metrics, recordsLearningRate: lines.first == current)
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let row = inLayout(cells, epoch: index + 1) else {
                throw HistoryFormatError(file: file, problem: "line \(index + 2) is not a complete row for epoch \(index + 1)")
            }
            rows.append(row)
        }
    }

    /// The row of a finished epoch, `learningRate` the rate at its end.
    public static func row(epoch: Int, train: Evaluation, valid: Evaluation, learningRate: Double) -> [String] {
        ["\(epoch)"] + ([train.loss] + train.metrics + [valid.loss] + valid.metrics + [learningRate]).map { "\(Float($0))" }
    }

    /// `cells` as a row of this table for `epoch`: checked (the epoch, a number in every other cell)
    /// and, in a table without `lr`, without its rate; nil when it is not such a row.
    public func inLayout(_ cells: [String], epoch: Int) -> [String]? {
        var row = cells
        if !recordsLearningRate && row.count == header.count + 1 { row.removeLast() }
        guard row.count == header.count, Int(row[0]) == epoch, row.dropFirst().allSatisfy({ Float($0) != nil }) else { return nil }
        return row
    }

    /// Appends the row of the next epoch (from `row(epoch:…)`; its rate is dropped in a table without `lr`).
    public mutating func append(_ row: [String]) {
        let fitted = inLayout(row, epoch: rows.count + 1)
        precondition(fitted != nil, "history rows come one epoch at a time")  // rows come from the training loop
        rows.append(fitted!)
    }

    /// Keeps the first `count` rows.
    public mutating func truncate(to count: Int) { rows = Array(rows.prefix(count)) }

    /// The training figures of a row.
    public func trainFigures(_ row: [String]) -> Evaluation {
        Evaluation(loss: Double(Float(row[1])!), metrics: row[2..<(2 + metricCount)].map { Double(Float($0)!) })
    }

    /// The validation figures of a row.
    public func validFigures(_ row: [String]) -> Evaluation {
        let start = 2 + metricCount
        return Evaluation(loss: Double(Float(row[start])!), metrics: row[(start + 1)..<(start + 1 + metricCount)].map { Double(Float($0)!) })
    }

    /// The first row with the lowest val_loss (the epoch of `best.safetensors`).
    public var bestRow: [String]? {
        var best: [String]?
        for row in rows where best == nil || Float(row[2 + metricCount])! < Float(best![2 + metricCount])! { best = row }
        return best
    }

    /// The CSV text.
    public var csv: String {
        ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
