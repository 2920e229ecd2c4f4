import ArgumentParser
import Foundation
import SeqTrain

/// `seqtrain bench [CONFIG…]`: median seconds per epoch, time per step, arithmetic per epoch, GFLOP/s and peak memory.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training epochs of experiments (release build) and report speed and memory.",
        discussion: """
            Each config runs in its own process, so peak memory is that of one training run. With --peers, \
            the Keras timings written by scripts/peers/keras_bench.py --json are shown beside seqtrain's, as ratios.
            With --scale, one config (default configs/deep_rnn.yaml) is measured at every pair of --series and \
            --scale-units, each in its own process: the time to generate the data, build the trainer, order an \
            epoch and run --steps training steps, and peak memory; a table says how both grow with the series \
            count, and --output gets the plot.
            Example: seqtrain bench configs/lstm.yaml --epochs 3 --threads 2
            Example: seqtrain bench --scale --series 10000,100000,1000000 --scale-units 20,256 --output scale.svg
            """)

    /// The chapter's trainable experiments, the default set.
    static let chapterConfigs = ["linear", "simple_rnn", "deep_rnn", "deep_rnn_dense", "seq2vec", "seq2seq", "lstm", "gru", "conv1d_gru", "wavenet"]
        .map { "configs/\($0).yaml" }

    @Argument(help: "Experiment files (default: the chapter's configs under configs/).", completion: .file(extensions: ["yaml", "yml"]))
    var configs: [String] = []

    @Option(help: "Epochs to time per config; the median is reported.")
    var epochs: Int = 5

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var overrides: OverrideOptions

    @Option(help: "Override the units of every recurrent layer but the last, e.g. 128 for a larger model.")
    var units: Int?

    @Option(help: "Keras results (JSON from scripts/peers/keras_bench.py --json) to compare with.", completion: .file(extensions: ["json"]))
    var peers: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Time the matrix kernel on the products of the --units-wide models (default 128) against this core's measured FMA peak, instead of training.")
    var kernels = false

    @Flag(help: .hidden)
    var single = false

    @Flag(help: "Measure how time and memory grow with the series count and the units, and plot them.")
    var scale = false

    @Option(help: "Series counts for --scale, comma-separated.")
    var series = ScaleBenchmark.defaultSeries.map(String.init).joined(separator: ",")

    @Option(name: .customLong("scale-units"), help: "Units for --scale, comma-separated.")
    var scaleUnits = ScaleBenchmark.defaultUnits.map(String.init).joined(separator: ",")

    @Option(help: "Training steps timed at each --scale point.")
    var steps = 20

    @Option(help: "The SVG --scale writes.", completion: .file(extensions: ["svg"]))
    var output = "bench-scale.svg"

    @Option(help: .hidden)
    var scalePoint: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        if let units, !(1...maxRecurrentUnits).contains(units) {
            throw ValidationError("--units must be between 1 and \(maxRecurrentUnits) (the recurrent layers' limit)")
        }
        if kernels, scale { throw ValidationError("--kernels and --scale are two different benchmarks; give one of them") }
        if scale { try validateScale() }
        if let scalePoint { _ = try Self.scalePoint(scalePoint) }
    }

    func run() throws {
        try withErrorReporting {
            if kernels {
                guard configs.isEmpty else { throw ValidationError("--kernels times the matrix kernel alone; give no config") }
                print(Self.kernelReport(units: units ?? 128, json: json), terminator: "")
                return
            }
            if scale || scalePoint != nil { return try runScale() }
            let files = configs.isEmpty ? Self.chapterConfigs : configs
            if single {
                try ChildProcesses.stopWithParent(graceful: false)
                let result = try Benchmark.run(try experiment(files[0]), epochs: epochs, threads: threading.threads)
                print(Self.json(result, units: units).rendered(), terminator: "")
                return
            }
            // Check every config first: a typo in the last one should not wait for the others to run.
            for file in files { _ = try experiment(file) }
            var results: [JSONValue] = []
            for file in files { results.append(try measureInChild(file)) }
            let peers = try peers.map(Self.loadPeers) ?? []
            if json {
                print(JSONValue.object([("results", .array(results)), ("peers", .array(peers.map(\.json)))]).rendered(), terminator: "")
            } else {
                print(Self.table(results, peers: peers, epochs: epochs))
            }
        }
    }

    /// Parses a config, applying `--units`; naive models have nothing to time.
    func experiment(_ file: String) throws -> Experiment {
        let experiment = try ExperimentParser.load(path: file, overrides: try overrides.parsed())
        guard experiment.model != .naive else {
            throw ValidationError("\(file): a naive model trains nothing, so there is nothing to time")
        }
        return units.map { Benchmark.widened(experiment, units: $0) } ?? experiment
    }

    /// Runs one config in a child process of this executable and returns its JSON result.
    func measureInChild(_ file: String) throws -> JSONValue {
        Self.jsonValue(try Self.runChild(["bench", "--single", file, "--epochs", "\(epochs)", "--threads", "\(threading.threads)"]
            + (units.map { ["--units", "\($0)"] } ?? []) + overrides.values.flatMap { ["--set", $0] },
            what: "benchmarking \(file)"))
    }

    /// Runs this executable with `arguments` as a child that stops with this process, and returns the
    /// JSON object it prints (`what` failed when it exits non-zero or prints none). The child has a
    /// process group of its own, so a Ctrl-C reaches only this process, which passes it (or a SIGTERM)
    /// on, waits for the child, then throws `StoppedBySignal` naming `what`; should this process die
    /// first, the child stops anyway (it calls `ChildProcesses.stopWithParent`).
    static func runChild(_ arguments: [String], what: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        process.arguments = arguments
        process.environment = ChildProcesses.childEnvironment
        let output = Pipe()
        process.standardOutput = output
        ChildProcesses.install()
        defer { ChildProcesses.uninstall() }
        try process.run()
        let reading = DispatchGroup(), collected = Collected()
        DispatchQueue.global().async(group: reading) { collected.data = output.fileHandleForReading.readDataToEndOfFile() }
        var forwarded: Int32 = 0
        while reading.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            if forwarded == 0, ChildProcesses.stopRequested != 0 {
                forwarded = ChildProcesses.stopRequested
                kill(process.processIdentifier, forwarded)
            }
        }
        process.waitUntilExit()
        if forwarded != 0 || ChildProcesses.stopRequested != 0 {
            throw StoppedBySignal(signal: forwarded != 0 ? forwarded : ChildProcesses.stopRequested,
                                  what: "\(what) was stopped, with its measuring process")
        }
        guard process.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: collected.data) as? [String: Any] else {
            throw ValidationError("\(what) failed (status \(process.terminationStatus))")
        }
        return object
    }

    static func json(_ r: BenchmarkResult, units: Int?) -> JSONValue {
        .object([
            ("config", .string(r.name)), ("units", units.map(JSONValue.int) ?? .null), ("threads", .int(r.threads)),
            ("epochs", .int(r.epochs)), ("median_epoch_seconds", .number(r.medianEpochSeconds)),
            ("ms_per_step", .number(r.millisecondsPerStep)), ("gflop_per_epoch", .number(r.flopsPerEpoch / 1e9)),
            ("gflops", .number(r.gflopsPerSecond)), ("peak_memory_mib", .number(Double(r.peakMemoryBytes) / 1_048_576)),
            ("simd", .string(r.simd)),
        ])
    }

    /// Foundation's JSON object back as an ordered `JSONValue` (keys in the order `json` writes them).
    static func jsonValue(_ object: [String: Any]) -> JSONValue {
        let order = ["config", "units", "threads", "epochs", "median_epoch_seconds", "ms_per_step", "gflop_per_epoch", "gflops",
                     "peak_memory_mib", "simd"]
        return .object(order.compactMap { key in
            switch object[key] {
            case let text as String: return (key, .string(text))
            case let number as NSNumber: return (key, key == "threads" || key == "epochs" || key == "units" ? .int(number.intValue) : .number(number.doubleValue))
            case is NSNull, nil: return (key, .null)
            default: return nil
            }
        })
    }

    /// One Keras timing.
    struct Peer {
        var config: String, backend: String, units: Int?, seconds: Double
        var json: JSONValue {
            .object([("config", .string(config)), ("backend", .string(backend)), ("units", units.map(JSONValue.int) ?? .null),
                     ("median_epoch_seconds", .number(seconds))])
        }
    }

    static func loadPeers(_ path: String) throws -> [Peer] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = object["results"] as? [[String: Any]] else {
            throw ValidationError("\(path): expected the JSON of scripts/peers/keras_bench.py --json (an object with \"results\")")
        }
        return results.compactMap { row in
            guard let config = row["config"] as? String, let backend = row["backend"] as? String,
                  let seconds = (row["median_epoch_seconds"] as? NSNumber)?.doubleValue else { return nil }
            return Peer(config: config, backend: backend, units: (row["units"] as? NSNumber)?.intValue, seconds: seconds)
        }
    }

    static func table(_ results: [JSONValue], peers: [Peer], epochs: Int) -> String {
        func field(_ value: JSONValue, _ key: String) -> JSONValue? {
            guard case .object(let pairs) = value else { return nil }
            return pairs.first { $0.0 == key }?.1
        }
        func number(_ value: JSONValue?) -> Double {
            switch value {
            case .number(let x)?: return x
            case .int(let x)?: return Double(x)
            default: return .nan
            }
        }
        let backends = ["jax", "tensorflow"].filter { backend in peers.contains { $0.backend == backend } }
        var header = ["config", "threads", "s/epoch", "ms/step", "GFLOP/epoch", "GFLOP/s", "peak MiB"]
        for backend in backends { header += ["Keras+\(backend == "jax" ? "JAX" : "TF") s/epoch", "speed-up"] }
        var rows: [[String]] = []
        var simd = ""
        for result in results {
            guard case .string(let name)? = field(result, "config") else { continue }
            if case .string(let s)? = field(result, "simd") { simd = s }
            let units: Int? = { if case .int(let u)? = field(result, "units") { return u } else { return nil } }()
            let seconds = number(field(result, "median_epoch_seconds"))
            var row = [name + (units.map { " (units \($0))" } ?? ""), "\(Int(number(field(result, "threads"))))",
                       String(format: "%.4f", seconds), String(format: "%.3f", number(field(result, "ms_per_step"))),
                       String(format: "%.2f", number(field(result, "gflop_per_epoch"))), String(format: "%.1f", number(field(result, "gflops"))), String(format: "%.1f", number(field(result, "peak_memory_mib")))]
            for backend in backends {
                if let peer = peers.first(where: { $0.config == name && $0.backend == backend && $0.units == units }) {
                    row += [String(format: "%.3f", peer.seconds), String(format: "%.1fx", peer.seconds / seconds)]
                } else {
                    row += ["-", "-"]
                }
            }
            rows.append(row)
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
        var out = ["seqtrain bench: median of \(epochs) epochs (training + validation), \(simd) kernels", line(header)]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}

/// The output a reading thread collected.
private final class Collected: @unchecked Sendable {
    var data = Data()
}
