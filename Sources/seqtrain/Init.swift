import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain init [NAME] [--from EXPERIMENT] [--csv FILE]`: write a commented starter experiment.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter experiment file (never overwrites one).",
        discussion: """
            Examples:
              seqtrain init                            # experiment.yaml on the generated sine series
              seqtrain init nino --csv data/nino12-sst.csv   # nino.yaml reading the CSV's numeric columns
              seqtrain init mine --from seq2seq        # mine.yaml, a copy of configs/seq2seq.yaml
            The file passes `seqtrain check` as written.
            """)

    @Argument(help: "The experiment's name; the file is NAME.yaml.")
    var name: String = "experiment"

    @Option(help: "Start from this experiment file, or a name under configs/ (e.g. seq2seq).", completion: .file(extensions: ["yaml", "yml"]))
    var from: String?

    @Option(help: "Start from this CSV file: its numeric columns, a window and a split that fit its rows.", completion: .file(extensions: ["csv"]))
    var csv: String?

    func validate() throws {
        if from != nil && csv != nil { throw ValidationError("give --from or --csv, not both") }
    }

    func run() throws {
        try withErrorReporting {
            // A name, not a path: the file goes into the current folder, never into /dev, .. or elsewhere.
            guard !name.contains("/") else {
                printError("error: '\(name)' is a path; seqtrain init writes NAME.yaml in the current folder "
                    + "(give a name such as mine, after cd to the folder it belongs in)")
                throw ExitCode(1)
            }
            let path = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? name : name + ".yaml"
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            guard ExperimentParser.isRunName(stem) else {
                printError("error: '\(stem)' cannot name a run: use letters, digits, '.', '_' and '-'")
                throw ExitCode(1)
            }
            let text: String
            if let from {
                let source = FileManager.default.fileExists(atPath: from) ? from : "configs/\(from).yaml"
                // The starter must pass `seqtrain check`: a broken source is reported where it is broken.
                if FileManager.default.fileExists(atPath: source) { _ = try ExperimentParser.load(path: source) }
                text = try StarterConfig.copy(of: source, name: stem)
            } else if let csv {
                text = try StarterConfig.csv(path: csv, name: stem)
            } else {
                text = StarterConfig.generated(name: stem)
            }
            try Self.writeNew(text, to: path)
            print("wrote \(path); check it with: seqtrain check \(path)")
        }
    }

    /// Creates `path` with `text`, refusing (exit status 1) if anything exists there: the check and
    /// the creation are one step (O_EXCL), so that no file is ever overwritten.
    static func writeNew(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            let reason = errno == EEXIST ? "already exists; seqtrain init never overwrites a file" : String(cString: strerror(errno))
            printError("error: \(path) \(reason)")
            throw ExitCode(1)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
    }
}

/// `seqtrain schema`: print the JSON Schema of the experiment file.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema (draft 2020-12) of the experiment file, for editors.",
        discussion: """
            Example:
              seqtrain schema > seqtrain.schema.json
            then put this first line in a config (VS Code's YAML extension, any yaml-language-server editor):
              # yaml-language-server: $schema=seqtrain.schema.json
            The schema is generated from the registries the parser uses (layers, optimizers, schedules,
            callbacks, losses, metrics). `seqtrain help config KEY` explains one key.
            """)

    func run() throws {
        print(ExperimentSchema.json(vocabulary: .standard).rendered(), terminator: "")
    }
}

/// `seqtrain help config KEY`, answered before swift-argument-parser's own `help` sees it.
enum ConfigKeyHelp {
    /// Handles `help config …` in `arguments` (without the program name); false for anything else.
    static func handle(_ arguments: [String]) -> Bool {
        guard arguments.count >= 2, arguments[0] == "help", arguments[1] == "config" else { return false }
        guard arguments.count == 3 else {
            printError("usage: seqtrain help config KEY   e.g. seqtrain help config data.window, LSTM.units, adam, EarlyStopping.patience")
            Foundation.exit(arguments.count == 2 ? 0 : 64)
        }
        switch ConfigHelp(vocabulary: .standard).explain(arguments[2]) {
        case .success(let text):
            print(text)
            Foundation.exit(0)
        case .failure(let diagnostic):
            printError(diagnostic.description)
            Foundation.exit(1)
        }
    }
}
