import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SeqTrain
import XCTest

/// `seqtrain bench --scale`: the growth verdict, the table and the plot, at small sizes.
final class ScaleBenchmarkTests: XCTestCase {
    private func point(series: Int, units: Int, seconds: Double, mebibytes: Double) -> ScalePoint {
        ScalePoint(series: series, units: units, dataSeconds: seconds, setupSeconds: 0, orderSeconds: 0, stepSeconds: 0,
                   timedSteps: 0, stepsPerEpoch: series / 32, peakMemoryBytes: Int(mebibytes * 1_048_576), dataBytes: series * 204)
    }

    func testGrowthIsLinearOnlyWhenTheCostPerSeriesStaysTheSame() {
        let counts = [10_000, 100_000, 1_000_000]
        // 20 MiB and 0.05 s of fixed cost, then 1 s and 20 MiB per 100,000 series: linear.
        let linear = counts.map { point(series: $0, units: 20, seconds: 0.05 + Double($0) / 100_000, mebibytes: 20 + 20 * Double($0) / 100_000) }
        let growth = ScaleBenchmark.growth(linear)
        XCTAssertEqual(growth.map(\.figure), ["data + order s", "peak MiB"])
        XCTAssertEqual(growth[0].marginalPer100k.map { ($0 * 1000).rounded() / 1000 }, [1, 1])
        XCTAssertEqual(growth[1].marginalPer100k.map { ($0 * 1000).rounded() / 1000 }, [20, 20])
        XCTAssertTrue(growth.allSatisfy(\.isLinear))
        // Quadratic time (each series costs more as there are more): not linear; nor is a cost that does not grow.
        let quadratic = counts.map { point(series: $0, units: 64, seconds: pow(Double($0) / 100_000, 2), mebibytes: 30) }
        XCTAssertEqual(ScaleBenchmark.growth(quadratic).map(\.isLinear), [false, false])
        // Noise within 2x between the marginal costs still reads as linear; beyond it, not.
        XCTAssertTrue(ScaleGrowth(units: 1, figure: "t", marginalPer100k: [1.0, 1.9]).isLinear)
        XCTAssertFalse(ScaleGrowth(units: 1, figure: "t", marginalPer100k: [1.0, 2.1]).isLinear)
        // The table: a title, a header, one row per point, one growth line per figure and width.
        let table = ScaleBenchmark.table(linear + quadratic, config: "deep_rnn.yaml", threads: 2).split(separator: "\n")
        XCTAssertEqual(table.count, 2 + 6 + 1 + 4)
        XCTAssertEqual(Array(table[1].split(separator: " ").prefix(4)), ["series", "units", "data", "s"])
        XCTAssertTrue(table[9].hasSuffix("-> linear (within 2x)"))
        XCTAssertTrue(table[12].hasSuffix("-> not linear (within 2x)"))
    }

    func testMeasuresSmallSizesAndWritesThePlot() throws {
        let folder = try temporaryFolder(self)
        let base = try ExperimentParser.load(path: repositoryRoot + "/configs/deep_rnn.yaml")
        var points: [ScalePoint] = []
        for units in [4, 8] {
            for series in [200, 400] {
                points.append(try ScaleBenchmark.measure(base, series: series, units: units, steps: 3, threads: 1))
            }
        }
        for point in points {
            XCTAssertEqual(point.timedSteps, 3)
            XCTAssertEqual(point.stepsPerEpoch, (point.series * 7 / 10 + 31) / 32)
            XCTAssertEqual(point.dataBytes, point.series * 51 * 4 + point.series * 8)  // window 50 + 1 values, one start each
            XCTAssertGreaterThan(point.stepSeconds, 0)
            XCTAssertGreaterThan(point.peakMemoryBytes, 0)
        }
        XCTAssertNil(ScaleBenchmark.experiment(try ExperimentParser.load(path: repositoryRoot + "/configs/nino12.yaml"), series: 10, units: 4))

        // The command: each point in its own process, the table, and the plot of both figures.
        let result = try runSeqtrain(["bench", "--scale", repositoryRoot + "/configs/deep_rnn.yaml", "--series", "200,400",
                                      "--scale-units", "4", "--steps", "2", "--threads", "1", "--output", "scale.svg"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2 + 2 + 1 + 2 + 1)
        XCTAssertTrue(lines[2].hasPrefix("   200      4"))
        XCTAssertEqual(lines.last, "plot written to scale.svg")
        let svg = try String(contentsOfFile: folder + "/scale.svg", encoding: .utf8)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "well-formed SVG")
        XCTAssertEqual(svg.components(separatedBy: "<svg").count - 1, 3, "two charts inside one figure")
        XCTAssertTrue(svg.contains("deep_rnn: peak memory") && svg.contains("units 4"))
        let refused = try runSeqtrain(["bench", "--scale", repositoryRoot + "/configs/nino12.yaml"], in: folder)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("needs a trained model on generated data"), refused.stderr)
    }

    /// An --output that cannot be written is refused before the measuring (which may take hours), not
    /// after it; a malformed hidden --scale-point is a usage error, not a crash.
    func testBadOutputAndScalePointAreRefusedFirst() throws {
        let folder = try temporaryFolder(self)
        for (output, reason) in [("", "an empty path names no file"), (folder, "it is a folder"),
                                 (folder + "/missing/scale.svg", "No such file or directory")] {
            let result = try runSeqtrain(["bench", "--scale", repositoryRoot + "/configs/deep_rnn.yaml", "--series", "10000000",
                                          "--scale-units", "1024", "--output", output], in: folder)
            XCTAssertEqual(result.status, 1)
            XCTAssertEqual(result.stdout, "", "nothing measured")
            XCTAssertEqual(result.stderr, "error: cannot write \(output): \(reason)\n")
        }
        for point in ["5", "10,20,30", "10,5000", "3,4"] {
            let result = try runSeqtrain(["bench", "--scale-point", point], in: folder)
            XCTAssertEqual(result.status, 64, point)
            XCTAssertTrue(result.stderr.contains("--scale-point takes SERIES,UNITS"), result.stderr)
        }
    }
}
