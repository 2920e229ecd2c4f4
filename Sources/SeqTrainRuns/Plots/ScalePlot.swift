import Foundation
import SeqTrainTraining

/// The figure of `seqtrain bench --scale`: two line charts stacked in one SVG, the time that grows
/// with the data (generating it, cutting it into samples, ordering an epoch) and the peak memory
/// against the series count, one line per width.
public enum ScalePlot {
    /// The SVG document.
    public static func svg(_ points: [ScalePoint], title: String) -> String {
        let widths = Array(Set(points.map(\.units))).sorted()
        func chart(_ name: String, _ unit: String, _ value: @escaping (ScalePoint) -> Double) -> LineChart {
            let series = widths.enumerated().map { index, units in
                LineChart.Series(name: "units \(units)",
                                 points: points.filter { $0.units == units }.sorted { $0.series < $1.series }
                                     .map { (x: Double($0.series), y: value($0)) },
                                 markers: true, color: index)
            }
            return LineChart(title: "\(title): \(name)", xLabel: "series", yLabel: unit, series: series)
        }
        let (width, height) = (760.0, 440.0)
        let time = chart("data + epoch order", "seconds") { $0.dataSeconds + $0.orderSeconds }.svg(width: width, height: height)
        let memory = chart("peak memory", "MiB") { Double($0.peakMemoryBytes) / 1_048_576 }.svg(width: width, height: height)
        // Each chart is an <svg> of its own, placed below the previous one.
        let lower = memory.replacingOccurrences(of: "<svg ", with: "<svg y=\"\(Int(height))\" ", options: [.anchored])
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(2 * height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(2 * height))\">\n" + time + lower + "</svg>\n"
    }
}
