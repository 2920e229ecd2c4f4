import Foundation
import SeqTrain
import XCTest

/// `seqtrain bench --kernels`: what it reports and what it refuses (not how fast anything is).
final class KernelBenchmarkTests: XCTestCase {
    func testKernelReportListsEveryProductAgainstTheMeasuredPeak() throws {
        let folder = try temporaryFolder(self)
        let result = try runSeqtrain(["bench", "--kernels", "--units", "32", "--json"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let peak = try XCTUnwrap(report["fma_peak_gflops"] as? Double)
        XCTAssertGreaterThan(peak, 0)
        XCTAssertEqual(report["units"] as? Double, 32)
        let kernels = try XCTUnwrap(report["kernels"] as? [[String: Any]])
        let expected = KernelBenchmark.shapes(units: 32)
        XCTAssertEqual(kernels.compactMap { $0["product"] as? String }, expected.map(\.name))
        for (row, shape) in zip(kernels, expected) {
            XCTAssertEqual(row["m"] as? Double, Double(shape.m))
            XCTAssertEqual(row["n"] as? Double, Double(shape.n))
            XCTAssertEqual(row["k"] as? Double, Double(shape.k))
            let gflops = try XCTUnwrap(row["gflops"] as? Double), fraction = try XCTUnwrap(row["fraction_of_peak"] as? Double)
            XCTAssertGreaterThan(gflops, 0, shape.name)
            XCTAssertEqual(fraction, gflops / peak, accuracy: 1e-9, shape.name)
        }
        // The LSTM products are 4U wide: the recurrent one is the packed ReusedMatrix from 64 units up.
        XCTAssertEqual(expected[4].n, 128)
        XCTAssertTrue(expected[4].reused)
    }

    func testKernelsWithAConfigIsRefused() throws {
        let folder = try temporaryFolder(self)
        let result = try runSeqtrain(["bench", "--kernels", "configs/deep_rnn.yaml"], in: folder)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--kernels times the matrix kernel alone"), result.stderr)
    }

    /// --kernels with --scale ran the kernel timing alone and ignored --scale without a word.
    func testKernelsWithScaleIsRefused() throws {
        let result = try runSeqtrain(["bench", "--kernels", "--scale"], in: try temporaryFolder(self))
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("--kernels and --scale are two different benchmarks"), result.stderr)
    }
}
