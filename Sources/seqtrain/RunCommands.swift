import ArgumentParser
import SeqTrain

/// `seqtrain resume RUN_DIR`: continue an interrupted run in its own folder.
struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an interrupted run from its last checkpoint, in the same folder.",
        discussion: """
            For the same config the run ends with a history.csv and checkpoints byte-identical to an uninterrupted run.
            Example: seqtrain resume runs/seq2seq/20261129T120000Z
            """)

    @Argument(help: "The run folder, e.g. runs/seq2seq/20261129T120000Z.", completion: .directory)
    var runDir: String

    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try withErrorReporting {
            try TrainingRun.resume(runDir, threads: threading.threads, console: .standardOutput)
        }
    }
}

/// `seqtrain verify RUN_DIR [--epochs K]`: retrain and compare bit for bit.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain the first epochs of a run and report whether they match it bit for bit.",
        discussion: "Example: seqtrain verify runs/seq2seq/20261129T120000Z --epochs 2")

    @Argument(help: "The run folder.", completion: .directory)
    var runDir: String

    @Option(help: "Epochs to retrain (default: every epoch the run recorded).")
    var epochs: Int?

    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try withErrorReporting {
            let result = try TrainingRun.verify(runDir, epochs: epochs, threads: threading.threads)
            let also = result.checkpointsCompared.isEmpty ? "" : " and " + result.checkpointsCompared.joined(separator: ", ")
            if result.differences.isEmpty {
                print("verified: epochs 1-\(result.epochs) of history.csv\(also) match bit for bit")
            } else {
                for line in result.differences { printError("mismatch: \(line)") }
                printError("not verified: \(result.differences.count) difference\(result.differences.count == 1 ? "" : "s") in epochs 1-\(result.epochs)")
                throw ExitCode(1)
            }
        }
    }
}
