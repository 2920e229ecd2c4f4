import Dispatch
import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// The three splits of an experiment.
public enum SplitName: String, CaseIterable, Sendable {
    /// Samples the model is fitted on.
    case train
    /// Samples for val_loss and best-checkpoint selection.
    case valid
    /// Held-out samples, evaluated on the best checkpoint.
    case test
}

/// The mean and standard deviation one column was standardised with.
public struct ColumnScaling: Equatable, Sendable {
    /// The column's name.
    public var column: String
    /// Mean over the training rows.
    public var mean: Double
    /// Population standard deviation over the training rows.
    public var std: Double

    /// Creates a scaling.
    public init(column: String, mean: Double, std: Double) {
        self.column = column
        self.mean = mean
        self.std = std
    }

    /// `(x - mean) / std`, in float32.
    public func apply(_ x: Float) -> Float { Float((Double(x) - mean) / std) }
    /// `x * std + mean`, in float32.
    public func invert(_ x: Float) -> Float { Float(Double(x) * std + mean) }

    /// Standardises row-major `[rows, scaling.count]` values in place, column `i` with `scaling[i]`.
    ///
    /// Each value is its own computation, so a big array is cut into row ranges that the free
    /// threads share (a million rows cost a few milliseconds of divisions): the same bits either way.
    public static func standardize(_ values: inout [Float], with scaling: [ColumnScaling]) {
        let F = scaling.count
        guard F > 0 else { return }
        let rows = values.count / F, pieces = rows >= 1 << 16 ? 8 : 1
        let means = scaling.map(\.mean), deviations = scaling.map(\.std)
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                for r in (piece * rows / pieces)..<((piece + 1) * rows / pieces) {
                    for f in 0..<F { base[r * F + f] = Float((Double(base[r * F + f]) - means[f]) / deviations[f]) }  // = apply
                }
            }
        }
    }
}

/// The values of an experiment and how they become (input, target) samples.
///
/// Values are stored row-major `[steps, features]`: the generator's series one after another, or the
/// rows of a CSV file. A sample is named by its first step: inputs are `window` steps from there,
/// targets the target columns of the steps after (see `fillBatch`). Samples are numbered train
/// first, then valid, then test, so a split is a range of sample numbers.
///
/// Batches are laid out the way the layers want them: a sequence `[batch, steps, features]` is stored
/// time-major (`[steps][batch][features]`) so that each step of a recurrent layer reads one contiguous
/// `[batch, features]` block; a vector `[batch, features]` is stored row-major.
public struct Dataset: Sendable {
    /// The data section this was made from (its `targetSteps` aligned to the model by `alignTargets`).
    public private(set) var config: DataConfig
    /// Every value, row-major `[steps, features]`; standardised when `config.standardize`.
    public let values: [Float]
    /// Values per step (F).
    public let features: Int
    /// The features predicted, as indices into a step's values.
    public let targetFeatures: [Int]
    /// The first step of every sample: train ones, then valid, then test.
    public let sampleStarts: [Int]
    /// The steps (CSV rows) or series (generator) of each split.
    public let splitExtents: [SplitName: Range<Int>]
    /// How each column was standardised; empty when it was not.
    public let scaling: [ColumnScaling]
    private let splitSamples: (train: Int, valid: Int, test: Int)
    /// The input step of each output step's sequence targets: `config.targetSteps`, or 0..<window.
    private var sequenceSteps: [Int] = []

    /// Generates the data of an experiment, or reads and windows its CSV file.
    ///
    /// - Throws: `ConfigErrors` for a CSV file that cannot be used, each problem with its line.
    public init(config: DataConfig, seed: UInt32) throws {
        self.config = config
        let T = config.window, H = config.horizon
        switch config.source {
        case .sine(let count):
            let S = config.stepsPerSeries
            values = SineGenerator.generate(seed: seed, seriesCount: count, steps: S)
            features = 1
            targetFeatures = [0]
            let (train, valid, test) = config.split.counts(of: count)
            sampleStarts = (0..<(train + valid + test)).map { $0 * S }
            splitSamples = (train, valid, test)
            splitExtents = [.train: 0..<train, .valid: train..<(train + valid), .test: (train + valid)..<(train + valid + test)]
            scaling = []
        case .csv(let source):
            // One pass over the file: values, malformed rows and the time column's order.
            var (raw, rows) = try CSVFile.read(path: source.path, columns: source.columns, role: "data.source.columns",
                                               timeColumn: source.timeColumn)
            features = source.columns.count
            targetFeatures = source.targets.map { source.columns.firstIndex(of: $0)! }
            let (train, valid, test) = config.split.counts(of: rows)
            let extents: [SplitName: Range<Int>] = [.train: 0..<train, .valid: train..<(train + valid),
                                                    .test: (train + valid)..<(train + valid + test)]
            splitExtents = extents
            if extents[.test]!.upperBound > rows {
                throw ConfigErrors([Diagnostic(file: source.path, position: nil,
                                               message: "data.split takes \(extents[.test]!.upperBound) rows but the file has \(rows)",
                                               suggestion: "make train + valid + test at most \(rows), or give fractions")])
            }
            // Training samples lie wholly in the training rows. A validation or test sample's targets
            // lie in its split; its window may look back into earlier rows, the past at forecast time.
            // A sequence target has targets inside the window too, so it looks back one row only.
            // Each split's sample starts are an arithmetic progression, written once into one array.
            func starts(_ split: SplitName) -> (first: Int, count: Int) {
                let extent = extents[split]!
                let first = split == .train ? 0 : max(0, extent.lowerBound - Self.lookBack(config))
                guard first + T + H <= extent.upperBound else { return (first, 0) }
                return (first, (extent.upperBound - T - H - first) / config.stride + 1)
            }
            let (trainStarts, validStarts, testStarts) = (starts(.train), starts(.valid), starts(.test))
            try Self.checkSizes(config: config, extents: extents, samples: [trainStarts.count, validStarts.count, testStarts.count],
                                file: source.path)
            let step = config.stride
            sampleStarts = [Int](unsafeUninitializedCapacity: trainStarts.count + validStarts.count + testStarts.count) { starts, count in
                count = 0
                for split in [trainStarts, validStarts, testStarts] {
                    for k in 0..<split.count { starts.initializeElement(at: count + k, to: split.first + k * step) }
                    count += split.count
                }
            }
            splitSamples = (trainStarts.count, validStarts.count, testStarts.count)
            if config.standardize {
                scaling = try Self.fitScaling(raw, features: features, rows: extents[.train]!, names: source.columns, file: source.path)
                ColumnScaling.standardize(&raw, with: scaling)
            } else {
                scaling = []
            }
            values = raw
        }
        sequenceSteps = config.targetSteps ?? Array(0..<config.window)
    }

    /// Rows a validation or test sample's window may reach before its split: the whole window, or
    /// one row for a sequence target (whose targets start one step after the window's first).
    static func lookBack(_ config: DataConfig) -> Int { config.target == .sequence ? 1 : config.window }

    /// Every split but an empty test split must hold at least one sample.
    private static func checkSizes(config: DataConfig, extents: [SplitName: Range<Int>], samples: [Int], file: String) throws {
        let T = config.window, H = config.horizon
        var problems: [Diagnostic] = []
        if samples[0] == 0 {
            problems.append(Diagnostic(file: file, position: nil,
                message: "the train split has \(extents[.train]!.count) rows, fewer than one sample needs (window \(T) + horizon \(H))",
                suggestion: "give train more rows or use a shorter window"))
        }
        for (index, split) in [(1, SplitName.valid), (2, .test)] where samples[index] == 0 && (extents[split]!.count > 0 || split == .valid) {
            let count = extents[split]!.count
            let need = config.target == .sequence ? "its \(T + H - 1) target rows (window \(T) + horizon \(H) - 1)"
                : "the horizon (\(H)) in it and \(T + H) rows up to its end"
            problems.append(Diagnostic(file: file, position: nil, message: "the \(split.rawValue) split has \(count) rows; a sample needs \(need)",
                                       suggestion: "give \(split.rawValue) more rows"))
        }
        if !problems.isEmpty { throw ConfigErrors(problems) }
    }

    /// Mean and population standard deviation of each column over `rows`, in double precision.
    ///
    /// Each column's sums run in row order, as ever, so every standardised value stays bit for bit
    /// the same; the columns share one pass over the rows per sum (their additions are independent
    /// chains the processor overlaps) instead of one pass each.
    private static func fitScaling(_ raw: [Float], features F: Int, rows: Range<Int>, names: [String], file: String) throws -> [ColumnScaling] {
        let count = Double(rows.count)
        let (sums, squares) = raw.withUnsafeBufferPointer { raw -> ([Double], [Double]) in
            var sums = [Double](repeating: 0, count: F), squares = [Double](repeating: 0, count: F)
            sums.withUnsafeMutableBufferPointer { sums in
                for r in rows { for f in 0..<F { sums[f] += Double(raw[r * F + f]) } }
            }
            let means = sums.map { $0 / count }
            squares.withUnsafeMutableBufferPointer { squares in
                for r in rows { for f in 0..<F { squares[f] += (Double(raw[r * F + f]) - means[f]) * (Double(raw[r * F + f]) - means[f]) } }
            }
            return (sums, squares)
        }
        var scaling: [ColumnScaling] = []
        for f in 0..<F {
            let mean = sums[f] / count
            let std = (squares[f] / count).squareRoot()
            guard std > 0 else {
                throw ConfigErrors([Diagnostic(file: file, position: nil,
                    message: "column '\(names[f])' is constant over the \(rows.count) training rows: it cannot be standardised",
                    suggestion: "drop the column or set data.standardize: false")])
            }
            scaling.append(ColumnScaling(column: names[f], mean: mean, std: std))
        }
        return scaling
    }

    /// One line saying what the data is and how it was cut, for the terminal.
    public var summary: String {
        let data = config
        let samples = SplitName.allCases.map { "\($0.rawValue) \(indices(of: $0).count)" }.joined(separator: " / ")
        let target = "target \(data.target.rawValue) (horizon \(data.horizon))"
        switch data.source {
        case .sine(let count):
            return "data: \(count) generated series of \(data.stepsPerSeries) steps, window \(data.window), \(target); samples \(samples)"
        case .csv(let csv):
            let rows = SplitName.allCases.map { split -> String in
                let extent = splitExtents[split]!
                return extent.isEmpty ? "\(split.rawValue) none" : "\(split.rawValue) \(extent.lowerBound + 1)-\(extent.upperBound)"
            }.joined(separator: " / ")
            let columns = csv.columns.count == 1 ? "column" : "columns"
            return "data: \(csv.path), \(values.count / features) rows x \(features) \(columns) (\(csv.columns.joined(separator: ", "))), "
                + "window \(data.window), stride \(data.stride), \(target) of \(csv.targets.joined(separator: ", "))"
                + (data.standardize ? ", standardised on the train rows" : "") + "\n      rows \(rows); samples \(samples)"
        }
    }

    /// Trains sequence targets on the steps the model's output sees (`StepAlignment`): output step j
    /// gets the targets of input step `steps[j]`; nil or the identity keeps every step its own.
    public mutating func alignTargets(to steps: [Int]?) {
        if let steps, config.target == .sequence, !StepAlignment.isIdentity(steps, count: config.window) {
            config.targetSteps = steps
        } else {
            config.targetSteps = nil
        }
        sequenceSteps = config.targetSteps ?? Array(0..<config.window)
    }

    /// The shape of one input sample: `window` steps of `features` values.
    public var inputShape: TensorShape { config.inputShape }

    /// The shape of one target sample.
    public var targetShape: TensorShape { ExperimentParser.targetShape(config) }

    /// The sample numbers of a split.
    public func indices(of split: SplitName) -> Range<Int> {
        let (train, valid, test) = splitSamples
        switch split {
        case .train: return 0..<train
        case .valid: return train..<(train + valid)
        case .test: return (train + valid)..<(train + valid + test)
        }
    }

    /// FNV-1a 64 over the little-endian bytes of every value: identifies the data a run saw.
    public var fingerprint: UInt64 {
        values.withUnsafeBytes { Fingerprint.fnv1a($0) }  // little-endian on every platform Swift runs on
    }

    /// The input window of one sample, row-major `[window, features]`.
    public func window(ofSample sample: Int) -> ArraySlice<Float> {
        let start = sampleStarts[sample] * features
        return values[start..<(start + config.window * features)]
    }

    /// The target features of the `count` steps after one sample's window, row-major `[count, targets]`.
    public func future(ofSample sample: Int, steps count: Int) -> [Float] {
        let first = sampleStarts[sample] + config.window
        return (0..<count).flatMap { k in targetFeatures.map { values[(first + k) * features + $0] } }
    }

    /// Writes the inputs and targets of the samples `rows` into time-major / row-major batch buffers.
    /// With K target features, step k ahead of feature j is at `k * K + j` of a target vector.
    public func fillBatch(rows: UnsafeBufferPointer<Int>, inputs x: UnsafeMutablePointer<Float>,
                          targets y: UnsafeMutablePointer<Float>) {
        let B = rows.count, T = config.window, H = config.horizon, F = features, K = targetFeatures.count
        let steps = sequenceSteps
        values.withUnsafeBufferPointer { data in
            targetFeatures.withUnsafeBufferPointer { targets in
                for (b, row) in rows.enumerated() {
                    let s = data.baseAddress! + sampleStarts[row] * F
                    if F == 1 {
                        for t in 0..<T { x[t * B + b] = s[t] }  // one value per step: no copy call per value
                    } else {
                        for t in 0..<T { (x + (t * B + b) * F).update(from: s + t * F, count: F) }
                    }
                    switch config.target {
                    case .next, .vector:
                        copyTargets(from: s + T * F, to: y + b * H * K, steps: H, features: F, targets: targets)
                    case .sequence:
                        // Output step j is trained on the targets of input step steps[j] (j itself unless aligned).
                        for (j, t) in steps.enumerated() {
                            copyTargets(from: s + (t + 1) * F, to: y + (j * B + b) * H * K, steps: H, features: F, targets: targets)
                        }
                    }
                }
            }
        }
    }

    /// Copies the target features of `steps` consecutive steps, step-major.
    @inline(__always)
    private func copyTargets(from source: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, steps: Int, features F: Int,
                             targets: UnsafeBufferPointer<Int>) {
        let K = targets.count
        if F == 1 && K == 1 {  // a univariate series: the targets are the next values, contiguous
            out.update(from: source, count: steps)
            return
        }
        for k in 0..<steps { for j in 0..<K { out[k * K + j] = source[k * F + targets[j]] } }
    }

    /// The naive forecast of the same samples, in the target's layout: the last value seen, repeated.
    public func fillNaivePrediction(rows: UnsafeBufferPointer<Int>, prediction p: UnsafeMutablePointer<Float>) {
        let B = rows.count, T = config.window, H = config.horizon, F = features, K = targetFeatures.count
        let steps = sequenceSteps
        values.withUnsafeBufferPointer { data in
            targetFeatures.withUnsafeBufferPointer { targets in
                for (b, row) in rows.enumerated() {
                    let s = data.baseAddress! + sampleStarts[row] * F
                    switch config.target {
                    case .next, .vector:
                        for k in 0..<H { for (j, f) in targets.enumerated() { p[(b * H + k) * K + j] = s[(T - 1) * F + f] } }
                    case .sequence:
                        for (step, t) in steps.enumerated() {
                            for k in 0..<H { for (j, f) in targets.enumerated() { p[((step * B + b) * H + k) * K + j] = s[t * F + f] } }
                        }
                    }
                }
            }
        }
    }
}
