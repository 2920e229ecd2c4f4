import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain`: train, check and evaluate sequence models described by YAML experiment files.
@main
struct SeqTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqtrain",
        abstract: "Train small sequence models from YAML experiment files.",
        discussion: """
            Examples:
              seqtrain init mine && seqtrain check mine.yaml && seqtrain mine.yaml
              seqtrain help config data.window       (explains a key of the file)
              seqtrain schema > seqtrain.schema.json (for editors)
              source <(seqtrain --generate-completion-script bash)
            """,
        version: SeqTrainVersion.description,
        subcommands: [Train.self, Check.self, Eval.self, BacktestCommand.self, Predict.self, Resume.self, Verify.self, Sweep.self, SweepPoint.self, Runs.self,
                      Diff.self, Plot.self, Bench.self, Init.self, Schema.self],
        defaultSubcommand: Train.self
    )

    /// `seqtrain help config KEY` is answered here; everything else goes to swift-argument-parser.
    static func main() {
        _ = ConfigKeyHelp.handle(Array(CommandLine.arguments.dropFirst()))
        main(nil)
    }
}

/// `--threads N`, shared by every command that trains.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads to train with (default: every core). Results are identical whatever the count.")
    var threads: Int = WorkerPool.availableCores

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }
}

/// `--set PATH=VALUE`, shared by every command that reads an experiment file.
struct OverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set train.optimizer.learning_rate=0.005 "
        + "or --set model.1.units=32 (repeatable).", valueName: "path=value"))
    var values: [String] = []

    /// The parsed overrides (errors are config errors, exit status 2).
    func parsed() throws -> [Override] { try values.map(Override.init) }
}

/// Prints config errors compiler-style to standard error and exits with status 2.
func reportConfigErrors(_ errors: ConfigErrors) -> ExitCode {
    for diagnostic in errors.diagnostics { printError(diagnostic.description) }
    let count = errors.diagnostics.count
    printError("\(count) error\(count == 1 ? "" : "s"); nothing was trained")
    return ExitCode(2)
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning the library's errors into messages and exit codes instead of crashes.
func withErrorReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let errors as ConfigErrors {
        throw reportConfigErrors(errors)
    } catch let error as ExitCode {
        throw error
    } catch let interrupted as RunInterrupted {
        printError("\nseqtrain: \(interrupted)")
        throw ExitCode(130)
    } catch let stopped as StoppedBySignal {
        printError("\nseqtrain: \(stopped)")
        throw ExitCode(128 + stopped.signal)
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

/// Refuses an empty folder argument (an empty `--runs-dir` would put runs at the filesystem root).
func checkFolderArgument(_ value: String, option: String) throws {
    guard !value.isEmpty else {
        throw ConfigErrors([Diagnostic(file: option, position: nil, message: "the folder is empty",
                                       suggestion: "give a folder, e.g. \(option) runs")])
    }
}
