import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainData
import SeqTrainModel
import SeqTrainOptimizers
import SeqTrainTraining

/// A line chart written as standalone SVG: axes with ticks and labels, a grid, a legend, and an
/// optional log-10 y axis (for losses that fall over decades).
public struct LineChart {
    /// One line.
    public struct Series {
        /// Legend text.
        public var name: String
        /// Points in data coordinates.
        public var points: [(x: Double, y: Double)]
        /// Drawn dashed (validation curves, predictions).
        public var dashed = false
        /// Draw a dot at each point (short series such as forecasts).
        public var markers = false
        /// Index into the palette (lines that belong together share a color).
        public var color: Int
        /// The shape drawn at each point when `markers` is set.
        public var marker = Marker.dot
        /// Join the points with a line (false: markers only, e.g. observed values).
        public var line = true

        /// Creates a series.
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, markers: Bool = false, color: Int,
                    marker: Marker = .dot, line: Bool = true) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.markers = markers
            self.color = color
            self.marker = marker
            self.line = line
        }
    }

    /// The shapes a point can be drawn with, so that series of one color stay apart.
    public enum Marker: Sendable {
        /// A filled circle.
        case dot
        /// A diagonal cross (×).
        case cross

        /// The SVG of this marker centred at (x, y).
        func svg(x: String, y: String, color: String) -> String {
            switch self {
            case .dot:
                return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3.5\" fill=\"\(color)\"/>"
            case .cross:
                let (cx, cy) = (Double(x) ?? 0, Double(y) ?? 0)
                let d = "M\(f1(cx - 4)),\(f1(cy - 4)) L\(f1(cx + 4)),\(f1(cy + 4)) M\(f1(cx - 4)),\(f1(cy + 4)) L\(f1(cx + 4)),\(f1(cy - 4))"
                return "<path d=\"\(d)\" stroke=\"\(color)\" stroke-width=\"2\" fill=\"none\"/>"
            }
        }

        private func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    }

    /// Chart title.
    public var title: String
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// Log-10 y axis (non-positive values are left out, as are values that are not finite on any axis).
    public var logScale: Bool
    /// The lines.
    public var series: [Series]

    /// The line colours, in the order series use them.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Creates a chart.
    public init(title: String, xLabel: String, yLabel: String, logScale: Bool = false, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logScale = logScale
        self.series = series
    }

    /// Tick positions for a linear range: 1, 2 or 5 times a power of ten, about `count` of them.
    static func ticks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / Double(count)
        let exponent = Int(floor(log10(raw)))
        let magnitude = pow(10, Double(exponent))
        let multiple = [1.0, 2, 5, 10].first { $0 * magnitude >= raw } ?? 10
        // Tick k is k * multiple * 10^exponent, computed as a whole number scaled by an exact power of
        // ten, so that 0.6 is 0.6 and not 0.6000000000000001.
        func tick(_ k: Double) -> Double {
            exponent < 0 ? k * multiple / pow(10, Double(-exponent)) : k * multiple * magnitude
        }
        var ticks: [Double] = []
        var k = ceil(low / (multiple * magnitude))
        while tick(k) <= high + multiple * magnitude * 1e-9 {
            ticks.append(tick(k) == 0 ? 0 : tick(k))
            k += 1
        }
        return ticks
    }

    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1e4 || abs(value) < 1e-3 { return String(format: "%.0e", value) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Text for an element or an attribute: markup escaped, and the characters XML 1.0 forbids
    /// (control characters but tab, line feed and carriage return; U+FFFE, U+FFFF) shown as U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                out.unicodeScalars.append(v < 0x20 || v == 0xFFFE || v == 0xFFFF ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }

    /// The SVG document.
    public func svg(width: Double = 760, height: Double = 440) -> String {
        let longest = series.map(\.name.count).max() ?? 10
        let (left, right, top, bottom) = (78.0, max(150.0, 64.0 + 7.5 * Double(longest)), 44.0, 56.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let transform: (Double) -> Double? = { y in y.isFinite ? (logScale ? (y > 0 ? log10(y) : nil) : y) : nil }
        let points = series.flatMap { $0.points }
        let xs = points.map(\.x), ys = points.compactMap { transform($0.y) }
        var (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
        var (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        if xHigh == xLow { (xLow, xHigh) = (xLow - 1, xHigh + 1) }
        if yHigh == yLow { (yLow, yHigh) = (yLow - 1, yHigh + 1) }
        let pad = (yHigh - yLow) * 0.05
        (yLow, yHigh) = (yLow - pad, yHigh + pad)
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yLow) / (yHigh - yLow)) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(f(left + plotWidth / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>"]
        // Grid and ticks.
        let xTicks = Self.ticks(xLow, xHigh).filter { $0 >= xLow && $0 <= xHigh }
        for tick in xTicks {
            out.append("<line x1=\"\(f(px(tick)))\" y1=\"\(f(top))\" x2=\"\(f(px(tick)))\" y2=\"\(f(top + plotHeight))\" stroke=\"#e5e5e5\"/>")
            out.append("<text x=\"\(f(px(tick)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.format(tick))</text>")
        }
        var yTicks: [(Double, String)] = Self.ticks(yLow, yHigh).map { ($0, Self.format($0)) }
        if logScale {
            // Decades, and 2x and 5x each decade when the range spans fewer than three.
            let multiples: [Double] = yHigh - yLow < 3 ? [1, 2, 5] : [1]
            yTicks = (Int(floor(yLow))...Int(ceil(yHigh))).flatMap { decade in
                multiples.map { m in (log10(m) + Double(decade), Self.format(m * pow(10, Double(decade)))) }
            }
        }
        for (tick, label) in yTicks where tick >= yLow && tick <= yHigh {
            out.append("<line x1=\"\(f(left))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(tick)))\" stroke=\"#e5e5e5\"/>")
            out.append("<text x=\"\(f(left - 8))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(label)</text>")
        }
        out.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333\"/>")
        out.append("<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>")
        out.append("<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">"
            + Self.escape(yLabel + (logScale ? " (log scale)" : "")) + "</text>")
        // Lines, markers and legend.
        for (index, line) in series.enumerated() {
            let color = Self.palette[line.color % Self.palette.count]
            let coordinates = line.points.compactMap { p in transform(p.y).map { "\(f(px(p.x))),\(f(py($0)))" } }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            if line.line && coordinates.count > 1 {
                out.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(coordinates.joined(separator: " "))\"/>")
            }
            if line.markers || coordinates.count == 1 || !line.line {
                for c in coordinates {
                    let xy = c.split(separator: ",")
                    out.append(line.marker.svg(x: String(xy[0]), y: String(xy[1]), color: color))
                }
            }
            // The legend shows the line (solid or dashed) and the marker, as drawn.
            let ly = top + 10 + Double(index) * 20, lx = left + plotWidth + 14
            if line.line {
                out.append("<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 26))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>")
            }
            if line.markers || !line.line { out.append(line.marker.svg(x: f(lx + 13), y: f(ly), color: color)) }
            out.append("<text x=\"\(f(lx + 32))\" y=\"\(f(ly + 4))\">\(Self.escape(line.name))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

extension LineChart {
    /// The linear tick positions for a range (exposed for tests).
    public static func ticksForTesting(_ low: Double, _ high: Double) -> [Double] { ticks(low, high) }
}
