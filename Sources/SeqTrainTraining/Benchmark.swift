import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers

/// What `seqtrain bench` measures for one experiment.
public struct BenchmarkResult {
    /// The experiment's name.
    public var name: String
    /// Threads used.
    public var threads: Int
    /// Epochs timed.
    public var epochs: Int
    /// Median wall seconds of an epoch (training and validation, as Keras times an epoch).
    public var medianEpochSeconds: Double
    /// Training batches per epoch.
    public var stepsPerEpoch: Int
    /// Arithmetic of one epoch: forward and backward over the training split, forward over validation.
    public var flopsPerEpoch: Double
    /// Peak resident memory of the process, in bytes (0 when unknown).
    public var peakMemoryBytes: Int
    /// The SIMD instruction set of the kernels.
    public var simd: String

    /// Milliseconds per training step.
    public var millisecondsPerStep: Double { medianEpochSeconds / Double(stepsPerEpoch) * 1000 }
    /// Achieved GFLOP/s.
    public var gflopsPerSecond: Double { flopsPerEpoch / medianEpochSeconds / 1e9 }
}

/// Times training epochs of an experiment in memory (no run folder is written).
public enum Benchmark {
    /// Trains `experiment` for `epochs` epochs with `threads` threads and reports the median epoch.
    public static func run(_ experiment: Experiment, epochs: Int, threads: Int) throws -> BenchmarkResult {
        var experiment = experiment
        experiment.train.epochs = epochs
        let dataset = try Dataset(config: experiment.data, seed: experiment.seed)
        let trainer = Trainer(experiment: experiment, dataset: dataset, threads: threads)
        var seconds: [Double] = []
        for epoch in 1...epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try trainer.trainEpoch(epoch)
            _ = trainer.evaluate(.valid)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        seconds.sort()
        let median = (seconds[(seconds.count - 1) / 2] + seconds[seconds.count / 2]) / 2
        let flops = trainer.model.flopsPerSample
        let perEpoch = Double(dataset.indices(of: .train).count) * (flops.forward + flops.backward)
            + Double(dataset.indices(of: .valid).count) * flops.forward
        return BenchmarkResult(name: experiment.name, threads: trainer.pool.threadCount, epochs: epochs,
                               medianEpochSeconds: median, stepsPerEpoch: trainer.stepsPerEpoch, flopsPerEpoch: perEpoch,
                               peakMemoryBytes: peakMemoryBytes(), simd: SIMDLevel.name)
    }

    /// `experiment` with every layer that has a width to scale (the recurrent ones) set to `units`,
    /// except the last layer, whose output must fit the target.
    public static func widened(_ experiment: Experiment, units: Int) -> Experiment {
        guard case .layers(var layers) = experiment.model else { return experiment }
        for i in layers.indices.dropLast() { layers[i] = layers[i].withUnits(units) ?? layers[i] }
        var widened = experiment
        widened.model = .layers(layers)
        return widened
    }

    /// The process's peak resident memory (VmHWM on Linux, ru_maxrss elsewhere).
    public static func peakMemoryBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kb * 1024
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}
