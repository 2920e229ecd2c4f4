import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SeqTrain
import XCTest

/// The SVG plots: well-formed, with axes, ticks, labels and a legend, and written into every run.
final class PlotTests: XCTestCase {
    /// Element names and text of an SVG document, which must parse as XML.
    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> (elements: [String], texts: [String]) {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [String] = [], texts: [String] = [], current = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.append(name)
                current = ""
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "text" { texts.append(current) }
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "well-formed SVG: \(String(describing: parser.parserError))", file: file, line: line)
        return (collector.elements, collector.texts)
    }

    func testChartHasAxesTicksLabelsLegendAndLogScale() {
        let chart = LineChart(title: "t <&> title", xLabel: "epoch", yLabel: "loss", logScale: true, series: [
            .init(name: "loss", points: [(1, 0.1), (2, 0.02), (3, 0.004)], color: 0),
            .init(name: "val_loss", points: [(1, 0.12), (2, 0.03), (3, 0.005)], dashed: true, color: 0),
        ])
        let (elements, texts) = parse(chart.svg())
        XCTAssertEqual(elements.first, "svg")
        XCTAssertEqual(elements.filter { $0 == "polyline" }.count, 2)
        XCTAssertTrue(texts.contains("t <&> title"))
        XCTAssertTrue(texts.contains("epoch"))
        XCTAssertTrue(texts.contains("loss (log scale)"))
        XCTAssertTrue(texts.contains("val_loss"))
        XCTAssertTrue(texts.contains("0.01") && texts.contains("0.1"), "\(texts)")
        XCTAssertTrue(texts.contains("1") && texts.contains("3"), "x ticks \(texts)")
        XCTAssertEqual(LineChart.ticksForTesting(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    func testEveryRunWritesCurvesAndForecastAndPlotOverlaysRuns() throws {
        let runs = try temporaryFolder(self)
        let experiment = try ExperimentParser.parse(yaml: """
            name: plots
            data: {source: {generator: sine, series: 400}, window: 10, target: vector, horizon: 4, split: {train: 300, valid: 50, test: 50}}
            model:
              - SimpleRNN: {units: 4}
              - Dense: {units: 4}
            train: {epochs: 2, metrics: [mae]}
            """, file: "plots.yaml")
        let run = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        let curves = parse(try String(contentsOfFile: run.path + "/curves.svg", encoding: .utf8))
        XCTAssertEqual(curves.elements.filter { $0 == "polyline" }.count, 4, "loss, val_loss, mae, val_mae")
        XCTAssertTrue(curves.texts.contains("val_mae"))
        let forecast = parse(try String(contentsOfFile: run.path + "/forecast.svg", encoding: .utf8))
        XCTAssertTrue(forecast.texts.contains("sample 3: forecast"), "\(forecast.texts)")
        XCTAssertTrue(forecast.texts.contains("plots: 4 steps ahead on validation samples"))
        // One colour per sample: the input a line, the truth dots only, the forecast dashed with crosses.
        XCTAssertEqual(forecast.elements.filter { $0 == "polyline" }.count, 6, "3 inputs and 3 forecasts; the truth has no line")
        XCTAssertEqual(forecast.elements.filter { $0 == "path" }.count, 3 * 4 + 3, "a cross per forecast step, and one per legend entry")
        let svg = try String(contentsOfFile: run.path + "/forecast.svg", encoding: .utf8)
        for color in LineChart.palette.prefix(3) {
            XCTAssertEqual(svg.components(separatedBy: "stroke=\"\(color)\"").count - 1 > 0, true, "sample colour \(color) is used")
        }
        XCTAssertFalse(svg.contains(LineChart.palette[3]), "no fourth colour for three samples")
        let second = try TrainingRun.train(experiment, source: nil, runsDir: runs, console: .silent)
        let result = try runSeqtrain(["plot", run.path, second.path, "--metric", "val_mae", "--log", "--output", "both.svg"], in: runs)
        XCTAssertEqual(result.status, 0, result.stderr)
        let overlay = parse(try String(contentsOfFile: runs + "/both.svg", encoding: .utf8))
        XCTAssertEqual(overlay.elements.filter { $0 == "polyline" }.count, 2)
        XCTAssertTrue(overlay.texts.contains("val_mae (log scale)"))
        let bad = try runSeqtrain(["plot", run.path, "--metric", "val_mea"], in: runs)
        XCTAssertTrue(bad.stderr.contains("did you mean 'val_mae'?"), bad.stderr)
    }
}
