import Foundation
import SeqTrain
import XCTest

/// Threads change the speed, never the numbers; and the benchmark counts the chapter's arithmetic.
final class ThreadingTests: XCTestCase {
    func testRunsAreByteIdenticalWhateverTheThreadCount() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: """
            name: threads
            seed: 3
            data: {source: {generator: sine, series: 500}, window: 12, target: vector, horizon: 2, split: {train: 300, valid: 100, test: 100}}
            model:
              - SimpleRNN: {units: 6, return_sequences: true}
              - SimpleRNN: {units: 5}
              - Dense: {units: 2}
            train: {epochs: 2, batch_size: 25, metrics: [mae]}
            """, file: "threads.yaml")
        let folders = try [1, 2, 3].map { try TrainingRun.train(experiment, source: nil, runsDir: runs, threads: $0, console: .silent) }
        for file in ["history.csv", "checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
            let bytes = folders.map { FileManager.default.contents(atPath: $0.path + "/" + file) }
            XCTAssertNotNil(bytes[0])
            XCTAssertEqual(bytes[0], bytes[1], "\(file): 1 vs 2 threads")
            XCTAssertEqual(bytes[0], bytes[2], "\(file): 1 vs 3 threads")
        }
    }

    func testWorkerPoolRunsEveryTaskOnce() {
        for threads in [1, 2, 4] {
            let pool = WorkerPool(threads: threads)
            for count in [0, 1, 2, 7] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                hits.initialize(repeating: 0, count: max(count, 1))
                pool.run(count) { hits[$0] += 1 }
                XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: count)), [Int](repeating: 1, count: count))
                hits.deallocate()
            }
        }
    }

    func testFlopCountOfDeepRNNIsTheReferenceFigure() throws {
        // A deep_rnn training epoch is about 2.8 GFLOP (7000 series x 50 steps through two 20-unit layers, forward and backward).
        let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/deep_rnn.yaml")
        guard case .layers(let layers) = experiment.model else { return XCTFail("deep_rnn has layers") }
        let model = Sequential(layers, inputShape: .sequence(steps: 50, features: 1), maxBatch: 32)
        let flops = model.flopsPerSample
        let epoch = 7000 * (flops.forward + flops.backward) + 2000 * flops.forward
        XCTAssertEqual(epoch / 1e9, 2.8, accuracy: 2.8 * 0.03)
        // By hand (T = 50): products 2·T·F·U and 2·(T-1)·U·U, bias T·U, tanh gradient 2·T·U.
        // Layer 0 (F 1, U 20): forward 2000 + 39200 + 1000; backward 2000 + 2·39200 + 2000 + 1000 (no input gradient).
        // Layer 1 (F 20, U 20): forward 40000 + 39200 + 1000; backward 40000 + 78400 + 2000 + 1000 + 40000.
        // Layer 2 (F 20, U 1): forward 2000 + 98 + 50; backward 2000 + 196 + 100 + 50 + 2000.
        XCTAssertEqual(flops.forward, 42200 + 80200 + 2148)
        XCTAssertEqual(flops.backward, 83400 + 161400 + 4346)
        XCTAssertEqual(epoch, 2_864_954_000)
    }

    func testBenchmarkReportsAnEpoch() throws {
        var experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/simple_rnn.yaml")
        experiment.data.source = .sine(series: 1000)
        experiment.data.split = Split(train: 640, valid: 200, test: 160)
        let result = try Benchmark.run(experiment, epochs: 2, threads: 2)
        XCTAssertEqual(result.stepsPerEpoch, 20)
        XCTAssertEqual(result.epochs, 2)
        XCTAssertGreaterThan(result.medianEpochSeconds, 0)
        XCTAssertGreaterThan(result.gflopsPerSecond, 0)
        XCTAssertGreaterThan(result.peakMemoryBytes, 1 << 20)
        XCTAssertTrue(["avx512", "avx2", "scalar"].contains(result.simd))
    }
}
