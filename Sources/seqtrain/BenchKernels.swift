import Foundation
import SeqTrain

extension Bench {
    /// `bench --kernels`: the FMA peak, then each product's GFLOP/s and its share of the peak.
    static func kernelReport(units: Int, json: Bool) -> String {
        let peak = KernelBenchmark.fmaPeak()
        let rates = KernelBenchmark.shapes(units: units).map(KernelBenchmark.rate)
        if json {
            let rows: [JSONValue] = rates.map { rate in
                .object([("product", .string(rate.shape.name)), ("m", .number(Double(rate.shape.m))), ("n", .number(Double(rate.shape.n))),
                         ("k", .number(Double(rate.shape.k))), ("gflops", .number(rate.gflops)), ("fraction_of_peak", .number(rate.gflops / peak))])
            }
            return JSONValue.object([("simd", .string(SIMDLevel.name)), ("fma_peak_gflops", .number(peak)), ("units", .number(Double(units))),
                                     ("kernels", .array(rows))]).rendered()
        }
        var lines = ["FMA peak of one core (measured, \(SIMDLevel.name)): \(String(format: "%.1f", peak)) GFLOP/s", ""]
        let header = ["product (\(units) units, shard batch 16, 50 steps)", "M", "N", "K", "GFLOP/s", "of peak"]
        let rows = rates.map { rate in
            [rate.shape.name, "\(rate.shape.m)", "\(rate.shape.n)", "\(rate.shape.k)", String(format: "%.1f", rate.gflops),
             String(format: "%.0f%%", 100 * rate.gflops / peak)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            lines.append(row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  "))
        }
        lines.append("")
        lines.append("Thread CPU time, best of 5; one core, so that other processes change the figures little.")
        return lines.joined(separator: "\n") + "\n"
    }
}
