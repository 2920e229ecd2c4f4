import Foundation
import SeqTrainCore
import SeqTrainTraining

/// A backtest written for people (`text`: tables with the best method of each row marked), for
/// spreadsheets (`csv`: one row per column, method and step) and for scripts (`json`).
extension Backtest {
    /// A figure with four significant digits ("-" when undefined, e.g. a zero scale).
    static func figure(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return abs(value) >= 1000 ? String(format: "%.1f", value) : String(format: "%.4g", value)
    }

    /// The readable report: what was compared, then for each target column the overall errors of
    /// every method, and the errors by step ahead of `stepMeasure`; `*` marks each row's best method.
    public func text(stepMeasure: ForecastMeasure = .mase) -> String {
        var lines = ["backtest of \(run) on the \(split.rawValue) split"
            + (checkpoint.map { " (\($0) checkpoint; \(modelMethod ?? ""))" } ?? " (a naive run: baselines only)")]
        // A generated series has no column name ("value"): its values are simply the series'.
        let units = columns.count > 1 ? "each column's own units" : columns[0].name == "value" ? "the series' units" : "\(columns[0].name)'s own units"
        lines.append("\(origins) origins, \(horizon) step\(horizon == 1 ? "" : "s") ahead, season \(season); "
            + "mae and rmse in \(units), mase and rmsse scaled by the seasonal-naive error on the train rows, smape in %")
        for column in columns where columns.count > 1 {
            lines += ["", "\(column.name):"] + Self.table(corner: "overall", methods: methods, rows: ForecastMeasure.allCases.map { measure in
                (measure.rawValue, column.errors.map { $0[measure] })
            })
        }
        let averaged = averaged
        let label = columns.count > 1 ? "averaged over the \(columns.count) columns:" : nil
        lines += [""] + (label.map { [$0] } ?? []) + Self.table(corner: "overall", methods: methods, rows: ForecastMeasure.allCases.map { measure in
            (measure.rawValue, averaged.map { $0[measure] })
        })
        let steps = (0..<horizon).map { h in ("\(h + 1)", averaged.map { $0.byStep[stepMeasure]?[h] ?? .nan }) }
        lines += [""] + Self.table(corner: "\(stepMeasure.rawValue) by step", methods: methods,
                                   rows: steps + [("all", averaged.map { $0[stepMeasure] })])
        lines.append("* the best method of the row")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Aligned columns: the row label, then one figure per method, the lowest marked with `*`.
    static func table(corner: String, methods: [String], rows: [(String, [Double])]) -> [String] {
        let cells = [[corner] + methods] + rows.map { label, values in
            let best = values.filter(\.isFinite).min()
            return [label] + values.map { figure($0) + ($0 == best ? " *" : "") }
        }
        let widths = cells[0].indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
        return cells.map { row in
            var line = row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// `column,method,step,mae,rmse,mase,rmsse,smape`: steps 1 … H then `all`; with several target
    /// columns, their average follows as column `average`.
    public var csv: String {
        var lines = [(["column", "method", "step"] + ForecastMeasure.allCases.map(\.rawValue)).joined(separator: ",")]
        var blocks = columns.map { ($0.name, $0.errors) }
        if columns.count > 1 { blocks.append(("average", averaged)) }
        for (name, errors) in blocks {
            for (method, result) in zip(methods, errors) {
                for h in 0..<horizon {
                    lines.append(([CSVText.field(name), method, "\(h + 1)"]
                        + ForecastMeasure.allCases.map { "\(result.byStep[$0]?[h] ?? .nan)" }).joined(separator: ","))
                }
                lines.append(([CSVText.field(name), method, "all"] + ForecastMeasure.allCases.map { "\(result[$0])" }).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"run", "split", "checkpoint", "origins", "horizon", "season", "methods": {NAME: {"mae": x, …,
    /// "by_step": {"mae": [H values], …}}}}`; with several target columns each method's figures are the
    /// average and `"columns": {COLUMN: {…}}` holds each column's.
    public var json: JSONValue {
        func figures(_ errors: ForecastErrors) -> [(String, JSONValue)] {
            ForecastMeasure.allCases.map { ($0.rawValue, JSONValue.number(errors[$0])) }
                + [("by_step", .object(ForecastMeasure.allCases.map { ($0.rawValue, .array((errors.byStep[$0] ?? []).map(JSONValue.number))) }))]
        }
        let averaged = averaged
        let methodObjects: [(String, JSONValue)] = methods.enumerated().map { m, name in
            var pairs = figures(averaged[m])
            if columns.count > 1 { pairs.append(("columns", .object(columns.map { ($0.name, .object(figures($0.errors[m]))) }))) }
            return (name, .object(pairs))
        }
        return .object([
            ("run", .string(run)), ("split", .string(split.rawValue)), ("checkpoint", checkpoint.map(JSONValue.string) ?? .null),
            ("origins", .int(origins)), ("horizon", .int(horizon)), ("season", .int(season)),
            ("scale", .object(columns.map { ($0.name, .object([("mae", .number($0.scale.mae)), ("rmse", .number($0.scale.rmse))])) })),
            ("methods", .object(methodObjects)),
        ])
    }
}
