import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain runs [DIR]`: a table of run folders.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List runs: name, start, overrides, best val_loss, epochs and status (running, finished, stopped early, interrupted, failed, unreadable).",
        discussion: "Example: seqtrain runs runs/seq2seq --sort best")

    /// Sort keys.
    enum SortKey: String, ExpressibleByArgument, CaseIterable { case started, best, name, status }

    @Argument(help: "A runs folder, one experiment's folder (runs/seq2seq) or a run (default: runs).", completion: .directory)
    var folder: String = "runs"

    @Option(help: "Sort by started, best, name or status.")
    var sort: SortKey = .started

    func run() throws {
        try withErrorReporting {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RunStateError(description: "\(folder): no such folder")
            }
            var records = RunIndex.scan(folder)
            switch sort {
            case .started: records.sort { ($0.started, $0.path) < ($1.started, $1.path) }
            case .best: records.sort { ($0.best?.valLoss ?? .infinity) < ($1.best?.valLoss ?? .infinity) }
            case .name: records.sort { ($0.name, $0.started) < ($1.name, $1.started) }
            case .status: records.sort { ($0.status.state.rawValue, $0.started) < ($1.status.state.rawValue, $1.started) }
            }
            guard !records.isEmpty else {
                print("no runs under \(folder)")
                return
            }
            let rows = [["run", "name", "started", "overrides", "best val_loss", "epochs", "status"]] + records.map { r in
                [r.path, r.name, r.started, r.overrides.isEmpty ? "-" : r.overrides.joined(separator: " "),
                 r.best.map { "\($0.valLoss) (\($0.epoch))" } ?? "-", "\(r.epochsDone)/\(r.epochsTotal)", r.status.summary]
            }
            print(Diff.layout(rows, markdown: false).joined(separator: "\n"))
        }
    }
}
