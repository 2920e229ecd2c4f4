import Foundation
import SeqTrainCore
import SeqTrainConfig

/// The commented starter experiment `seqtrain init` writes: the chapter's generated series, a copy of
/// another experiment file, or a CSV file's numeric columns with a window and split that fit its rows.
/// Each starter passes `seqtrain check` as written.
public enum StarterConfig {
    /// The lines that tell an editor where the JSON Schema is (after `seqtrain schema > …`).
    static var editorHint: String {
        """
        # Editor completion and checks: run `seqtrain schema > seqtrain.schema.json` here, then make the
        # next line the file's first line (VS Code's YAML extension or any yaml-language-server editor):
        #   # yaml-language-server: $schema=seqtrain.schema.json
        # `seqtrain help config KEY` explains a key, e.g. seqtrain help config data.window

        """
    }

    /// A starter on the chapter's generated sine series: a small LSTM predicting the next value.
    public static func generated(name: String) -> String {
        """
        # \(name): a starter experiment (seqtrain init). Check it with `seqtrain check \(name).yaml`,
        # train it with `seqtrain \(name).yaml`; every key not written takes its default.
        \(editorHint)name: \(name)
        seed: 42                      # same seed, same numbers: data, initial weights, shuffling
        data:
          # The chapter's synthetic series: two sines plus noise, one series per sample.
          # For your own data: source: {csv: FILE, columns: [NAME, ...]} (or seqtrain init --csv FILE).
          source: {generator: sine, series: 10000}
          window: 50                  # input steps per sample
          target: next                # next: the value after the window; vector/sequence: `horizon` values
          split: {train: 7000, valid: 2000, test: 1000}   # series per split (or fractions like 0.7)
        model:                        # layers in order; see `seqtrain help config LSTM`
          - LSTM: {units: 20}
          - Dense: {units: 1}
        train:
          epochs: 20
          batch_size: 32
          loss: mse                   # mse, mae or huber
          optimizer: {name: adam, learning_rate: 0.001}
          metrics: [mae]
          callbacks:
            - EarlyStopping: {monitor: val_loss, patience: 5, restore_best_weights: true}
        # Uncomment to sweep with `seqtrain sweep \(name).yaml` (plain training ignores it):
        # sweep:
        #   model.0.units: [10, 20, 40]

        """
    }

    /// The experiment file at `path` with `name:` set to `name` (and added if missing).
    public static func copy(of path: String, name: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "no such experiment file",
                                           suggestion: "give a file path, or a name under configs/ such as seq2seq")])
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = "# \(name): started from \(path) (seqtrain init --from)."
        if let index = lines.firstIndex(where: { $0.hasPrefix("name:") }) {
            lines[index] = "name: \(name)"
        } else {
            let first = lines.firstIndex(where: { !$0.hasPrefix("#") && !$0.isEmpty }) ?? lines.count
            lines.insert("name: \(name)", at: first)
        }
        return header + "\n" + lines.joined(separator: "\n")
    }

    /// A starter reading the numeric columns of the CSV file at `path` (a non-numeric first column
    /// becomes the time column), predicting the first numeric column's next value.
    public static func csv(path: String, name: String) throws -> String {
        let file = try CSVFile(path: path)
        var numeric: [String] = [], other: [String] = []
        for column in file.header {
            if (try? file.numbers([column], role: "columns")) != nil { numeric.append(column) } else { other.append(column) }
        }
        guard let target = numeric.first else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "has no column whose every value is a number",
                                           suggestion: "seqtrain trains on numeric columns without missing values")])
        }
        let rows = file.rowCount
        // A window of about a twentieth of the rows (at least 4, at most 50) leaves ~15% of the
        // windows for validation and as many for testing.
        let window = max(4, min(50, rows / 20))
        guard rows - window >= 20 else {
            throw ConfigErrors([Diagnostic(file: path, position: nil, message: "has \(rows) rows, too few to train on (at least \(window + 20))")])
        }
        let time = other.first == file.header.first ? other.first : nil
        let columns = numeric.map(YAMLText.string).joined(separator: ", ")
        let timeKey = time.map { ", time_column: \(YAMLText.string($0))" } ?? ""
        let skipped = other.filter { $0 != time }
        return """
            # \(name): a starter experiment (seqtrain init --csv) for \(path), \(rows) rows.
            # Numeric columns: \(numeric.joined(separator: ", "))\(skipped.isEmpty ? "" : "; not numeric, left out: " + skipped.joined(separator: ", ")).
            # It forecasts the next value of \(target) from the last \(window) rows of every column.
            # Check it with `seqtrain check \(name).yaml`, train it with `seqtrain \(name).yaml`.
            \(editorHint)name: \(name)
            seed: 42
            data:
              source: {csv: \(YAMLText.string(path)), columns: [\(columns)], targets: [\(YAMLText.string(target))]\(timeKey)}
              window: \(window)                  # input rows per sample
              target: next                # or vector with horizon: H to forecast H rows at once
              split: {train: 0.7, valid: 0.15, test: 0.15}   # in time order: the test rows come last
              standardize: true           # scale each column with the training rows' mean and deviation
            model:                        # see `seqtrain help config LSTM`
              - LSTM: {units: 32}
              - Dense: {units: 1}
            train:
              epochs: 30
              batch_size: 16
              optimizer: {name: adam, learning_rate: 0.002}
              callbacks:
                - EarlyStopping: {monitor: val_loss, patience: 5, restore_best_weights: true}

            """
    }
}
