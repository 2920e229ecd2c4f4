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

/// The per-epoch table of a run, `history.csv`: `epoch,loss,<metrics>,val_loss,val_<metrics>`.
public struct History {
    /// Column names.
    public let header: [String]
    /// Rows of formatted values (float32 shortest form).
    public private(set) var rows: [[String]] = []
    private let metricCount: Int

    /// An empty history for an experiment's metrics.
    public init(metrics: [MetricKind]) {
        let names = metrics.map(\.rawValue)
        header = ["epoch", "loss"] + names + ["val_loss"] + names.map { "val_" + $0 }
        metricCount = metrics.count
    }

    /// Reads a run's `history.csv`, checking its columns.
    public init(csv text: String, metrics: [MetricKind], file: String) throws {
        self.init(metrics: metrics)
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.first == header.joined(separator: ",") else {
            throw HistoryFormatError(file: file, problem: "expected the header \(header.joined(separator: ","))")
        }
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, Int(cells[0]) == index + 1, cells.dropFirst().allSatisfy({ Float($0) != nil }) else {
                throw HistoryFormatError(file: file, problem: "line \(index + 2) is not a complete row for epoch \(index + 1)")
            }
            rows.append(cells)
        }
    }

    /// The row of a finished epoch.
    public static func row(epoch: Int, train: Evaluation, valid: Evaluation) -> [String] {
        ["\(epoch)"] + ([train.loss] + train.metrics + [valid.loss] + valid.metrics).map { "\(Float($0))" }
    }

    /// Appends the row of the next epoch.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count && row[0] == "\(rows.count + 1)", "history rows come one epoch at a time")
        rows.append(row)
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
        return Evaluation(loss: Double(Float(row[start])!), metrics: row[(start + 1)...].map { Double(Float($0)!) })
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
