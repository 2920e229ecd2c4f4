import SeqTrain
import XCTest

/// The data generator must equal numpy's output bit for bit (fixture: scripts/golden/make_generator_fixture.py).
final class GeneratorTests: XCTestCase {
    func testRandMatchesNumpyLegacySeeding() throws {
        let json = try fixture("generator.json")
        let first10 = try XCTUnwrap(json["rand_seed42_first10"] as? [String: Any])
        var random = MersenneTwister(seed: 42)
        let bits = (first10["bits"] as! [NSNumber]).map(\.uint64Value)
        XCTAssertEqual((0..<10).map { _ in random.nextDouble().bitPattern }, bits)
        XCTAssertEqual(Double(bitPattern: bits[0]), 0.3745401188473625)

        let seeds = try XCTUnwrap(json["rand_seeds"] as? [String: [NSNumber]])
        XCTAssertEqual(seeds.count, 5)
        for (seed, expected) in seeds {
            var random = MersenneTwister(seed: UInt32(seed)!)
            XCTAssertEqual((0..<5).map { _ in random.nextDouble().bitPattern }, expected.map(\.uint64Value), "seed \(seed)")
        }
    }

    func testSmallSeriesBitForBit() throws {
        let small = try XCTUnwrap(try fixture("generator.json")["small"] as? [String: Any])
        let series = SineGenerator.generate(seed: 7, seriesCount: 3, steps: 12)
        XCTAssertEqual(series.map { UInt64($0.bitPattern) }, (small["bits"] as! [NSNumber]).map(\.uint64Value))
    }

    func testChapterDataBitForBit() throws {
        let json = try fixture("generator.json")
        for steps in [51, 60] {
            let expected = try XCTUnwrap(json["seed42_n\(steps)"] as? [String: Any])
            let data = DataConfig(source: .sine(series: 10000), window: 50, target: steps == 51 ? .next : .vector,
                                  horizon: steps - 50, split: Split(train: 7000, valid: 2000, test: 1000))
            let dataset = try Dataset(config: data, seed: 42)
            XCTAssertEqual(String(dataset.fingerprint), expected["fnv1a64"] as? String, "FNV-1a of all \(steps)-step data")
            let rows = try XCTUnwrap(expected["rows_bits"] as? [String: [NSNumber]])
            for (row, bits) in rows {
                let r = Int(row)!
                XCTAssertEqual(dataset.values[(r * steps)..<((r + 1) * steps)].map { UInt64($0.bitPattern) },
                               bits.map(\.uint64Value), "row \(row) of n\(steps)")
            }
        }
        let first = SineGenerator.generate(seed: 42, seriesCount: 10000, steps: 51).prefix(5)
        // The chapter's figure is known to 8 significant digits, hence the tolerance (the bits are checked above).
        for (value, printed) in zip(first, [0.4596948, 0.31486678, 0.12497123, -0.1039134, -0.33817387] as [Double]) {
            XCTAssertEqual(Double(value), printed, accuracy: 5e-9)
        }
    }

    func testNaiveBaselineOfTheChapter() throws {
        let naive = try XCTUnwrap(try fixture("generator.json")["naive_seed42"] as? [String: [String: Any]])
        let cases: [(TargetKind, Int, String)] = [(.next, 1, "n51_last_step"), (.vector, 10, "n60_vector")]
        for (target, horizon, key) in cases {
            let experiment = Experiment(
                name: "naive", seed: 42,
                data: DataConfig(source: .sine(series: 10000), window: 50, target: target, horizon: horizon,
                                 split: Split(train: 7000, valid: 2000, test: 1000)),
                model: .naive, train: TrainConfig())
            let dataset = try Dataset(config: experiment.data, seed: 42)
            let valid = Trainer.naive(dataset: dataset, experiment: experiment, split: .valid)
            XCTAssertEqual(Float(valid.loss).bitPattern, (naive[key]!["bits"] as! NSNumber).uint32Value, key)
        }
        let experiment = try ExperimentParser.load(path: repositoryRoot + "/configs/naive.yaml")
        let valid = Trainer.naive(dataset: try Dataset(config: experiment.data, seed: experiment.seed), experiment: experiment, split: .valid)
        XCTAssertEqual("\(Float(valid.loss))", "0.020211367")
    }

    func testTargetsFollowTheReferenceLayout() throws {
        // Y[:, t, k-1] = series[:, t + k] for the sequence target, time-major in the batch.
        let data = DataConfig(source: .sine(series: 4), window: 5, target: .sequence, horizon: 3,
                              split: Split(train: 2, valid: 1, test: 1))
        let dataset = try Dataset(config: data, seed: 3)
        let rows = [2, 0]
        var x = [Float](repeating: 0, count: 2 * 5), y = [Float](repeating: 0, count: 2 * 5 * 3)
        rows.withUnsafeBufferPointer { r in
            x.withUnsafeMutableBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in dataset.fillBatch(rows: r, inputs: xb.baseAddress!, targets: yb.baseAddress!) }
            }
        }
        let S = 8
        for (b, row) in rows.enumerated() {
            for t in 0..<5 {
                XCTAssertEqual(x[t * 2 + b], dataset.values[row * S + t])
                for k in 1...3 { XCTAssertEqual(y[(t * 2 + b) * 3 + k - 1], dataset.values[row * S + t + k]) }
            }
        }
    }
}
