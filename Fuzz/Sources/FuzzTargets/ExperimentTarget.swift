import Foundation
import SeqTrain

/// The line that separates an input's YAML from its `--set` arguments (one per line after it).
public let overrideMarker = "# --set"

/// The experiment parser with `--set` overrides, as `check` and `train` use it.
///
/// The input is UTF-8 text: an experiment file, optionally followed by a line `# --set` and then one
/// `PATH=VALUE` argument per line. Bad input must be `ConfigErrors` (nothing else may escape), and an
/// accepted experiment must survive what a run does with it: its resolved `config.yaml` parses back
/// to the same experiment with the same hash, as `OpenedRun` reads it.
public func fuzzExperiment(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }  // the file reader refuses non-UTF-8
    var yaml = text, arguments: [String] = []
    if let marker = text.range(of: "\n" + overrideMarker + "\n") {
        yaml = String(text[..<marker.lowerBound]) + "\n"
        arguments = text[marker.upperBound...].split(separator: "\n").map(String.init)
    }
    var overrides: [Override] = []
    for argument in arguments {
        do {
            overrides.append(try Override(argument))
        } catch is ConfigErrors {
            return
        } catch {
            fatalError("Override(\(argument.debugDescription)) threw \(type(of: error)), not ConfigErrors: \(error)")
        }
    }
    let experiment: Experiment
    do {
        experiment = try ExperimentParser.parse(yaml: yaml, file: "fuzz.yaml", overrides: overrides, vocabulary: .standard)
    } catch let errors as ConfigErrors {
        require(!errors.diagnostics.isEmpty, "ConfigErrors without a diagnostic")
        _ = errors.description
        return
    } catch {
        fatalError("ExperimentParser.parse threw \(type(of: error)), not ConfigErrors: \(error)")
    }
    // What a run writes and what opening it reads back.
    let resolved = TrainingRun.resolvedConfig(experiment, source: "fuzz.yaml", overrides: overrides)
    let reread: Experiment
    do {
        reread = try ExperimentParser.parse(yaml: resolved.text, file: "config.yaml", vocabulary: .standard)
    } catch {
        fatalError("the resolved config does not parse back: \(error)\n\(resolved.text)")
    }
    require(reread == experiment, "the resolved config parses back to another experiment:\n\(resolved.text)")
    require(TrainingRun.resolvedConfig(reread, source: nil).hash == resolved.hash, "the resolved config's hash changes on reading")
}
