import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain diff RUN_A RUN_B [RUN…]`: what differs between runs and how their histories compare.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs: the config keys that differ, the histories side by side, the best epochs, a verdict.",
        discussion: "Example: seqtrain diff runs/seq2seq/* --format markdown")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, csv, json }

    @Argument(help: "Two or more run folders, e.g. runs/seq2seq/* (one column per run).", completion: .directory)
    var runDirs: [String]

    @Option(help: "Output format: text, markdown, csv or json.")
    var format: Format = .text

    @Option(help: "The history column to compare, e.g. val_loss, loss, val_last_time_step_mse.")
    var metric: String = "val_loss"

    func validate() throws {
        guard runDirs.count >= 2 else { throw ValidationError("give at least two run folders to compare") }
    }

    func run() throws {
        try withErrorReporting {
            let comparison = try RunComparison(runs: try runDirs.map { try OpenedRun.open($0) }, metric: metric)
            let labels = runDirs.count == 2 ? ["A", "B"] : runDirs.indices.map { String(UnicodeScalar(UInt8(65 + $0 % 26))) + ($0 >= 26 ? "\($0 / 26)" : "") }
            switch format {
            case .text, .markdown: print(Self.table(comparison, labels: labels, markdown: format == .markdown))
            case .csv: print(Self.csv(comparison), terminator: "")
            case .json: print(Self.json(comparison, labels: labels).rendered(), terminator: "")
            }
        }
    }

    static func cell(_ value: Float?) -> String { value.map { "\($0)" } ?? "" }

    /// B - A for two runs.
    static func delta(_ row: [Float?]) -> Float? {
        guard row.count == 2, let a = row[0], let b = row[1] else { return nil }
        return b - a
    }

    static func table(_ c: RunComparison, labels: [String], markdown: Bool) -> String {
        var out: [String] = []
        for (label, run) in zip(labels, c.runs) { out.append("\(label): \(run)") }
        out.append("")
        if c.configDifferences.isEmpty {
            out.append("Config: identical")
        } else {
            out.append("Config differences:")
            let rows = c.configDifferences.map { [$0.key] + $0.values }
            out += layout([["key"] + labels] + rows, markdown: markdown)
        }
        out.append("")
        let twoRuns = c.runs.count == 2
        var header = ["epoch"] + labels.map { "\(c.metric) \($0)" }
        if twoRuns { header.append("delta (B-A)") }
        var rows = c.epochs.enumerated().map { e, row in ["\(e + 1)"] + row.map(cell) + (twoRuns ? [cell(delta(row))] : []) }
        rows.append(["best"] + c.best.map { $0.map { "\($0.value) (\($0.epoch))" } ?? "" } + (twoRuns ? [""] : []))
        out += layout([header] + rows, markdown: markdown)
        out.append("")
        out.append(c.verdict(labels: labels))
        return out.joined(separator: "\n")
    }

    /// Aligned columns (text) or a pipe table (markdown).
    static func layout(_ rows: [[String]], markdown: Bool) -> [String] {
        if markdown {
            let header = "| " + rows[0].joined(separator: " | ") + " |"
            let rule = "|" + rows[0].map { _ in "---|" }.joined()
            return [header, rule] + rows.dropFirst().map { "| " + $0.joined(separator: " | ") + " |" }
        }
        let widths = rows[0].indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max()! }
        return rows.map { row in
            row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    static func csv(_ c: RunComparison) -> String {
        let twoRuns = c.runs.count == 2
        var lines = [(["epoch"] + c.runs.map { "\(c.metric) \($0)" } + (twoRuns ? ["delta"] : [])).map(CSVText.field).joined(separator: ",")]
        for (e, row) in c.epochs.enumerated() {
            lines.append((["\(e + 1)"] + row.map(cell) + (twoRuns ? [cell(delta(row))] : [])).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ c: RunComparison, labels: [String]) -> JSONValue {
        func value(_ x: Float?) -> JSONValue { x.map(JSONValue.figure) ?? .null }
        return .object([
            ("runs", .array(c.runs.map(JSONValue.string))),
            ("metric", .string(c.metric)),
            ("config_differences", .array(c.configDifferences.map { .object([("key", .string($0.key)), ("values", .array($0.values.map(JSONValue.string)))]) })),
            ("epochs", .array(c.epochs.enumerated().map { e, row in .object([("epoch", .int(e + 1)), ("values", .array(row.map(value)))]) })),
            ("best", .array(c.best.map { $0.map { .object([("epoch", .int($0.epoch)), ("value", .figure($0.value))]) } ?? .null })),
            ("winner", c.winner.map { .string(c.runs[$0]) } ?? .null),
            ("verdict", .string(c.verdict(labels: labels))),
        ])
    }
}
