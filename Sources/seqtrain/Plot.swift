import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain plot RUN…`: several runs' curves overlaid in one SVG.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Overlay the learning curves of several runs in one SVG file.",
        discussion: "Example: seqtrain plot runs/lstm/* runs/gru/* --metric val_loss --output curves.svg")

    @Argument(help: "Run folders.", completion: .directory)
    var runDirs: [String]

    @Option(help: "The history column to plot, e.g. val_loss, loss, val_last_time_step_mse.")
    var metric: String = "val_loss"

    @Flag(inversion: .prefixedNo, help: "Log-scale y axis (default: when the values span more than a factor of 10).")
    var log: Bool?

    @Option(help: "The SVG file to write.")
    var output: String = "plot.svg"

    func run() throws {
        try withErrorReporting {
            let svg = try RunPlots.overlay(try runDirs.map { try OpenedRun.open($0) }, metric: metric, logScale: log)
            try AtomicFile.write(svg, to: output)
            print("wrote \(output)")
        }
    }
}
