import Foundation
import SeqTrain
import XCTest

/// Reading a user's CSV series: parsing, errors with line numbers, windowing, splits and standardisation.
final class CSVDataTests: XCTestCase {
    private func write(_ text: String, _ name: String = "series.csv") throws -> String { try temporaryFile(self, text, name) }

    /// A CSV source over columns `a`, `b`, `c` where row r holds r, 100 + r and 200 + r.
    private func rampFile(rows: Int = 100) throws -> String {
        try write("t,a,b,c\n" + (0..<rows).map { "\($0),\($0),\(100 + $0),\(200 + $0)" }.joined(separator: "\n") + "\n")
    }

    func testReadsCommentsQuotesByteOrderMarkAndCRLF() throws {
        let path = try write("\u{FEFF}# a comment line\r\nmonth,\"value, in C\",note\r\n\r\n1950-01,\"1.5\",\"says \"\"hi\"\", twice\"\r\n"
            + "  # another comment\r\n1950-02,2.25,x\r\n")
        let file = try CSVFile(path: path)
        XCTAssertEqual(file.header, ["month", "value, in C", "note"])
        XCTAssertEqual(file.rowCount, 2)
        XCTAssertEqual(try file.numbers(["value, in C"], role: "columns"), [1.5, 2.25])
        XCTAssertNoThrow(try file.checkTimeOrder("month"))
    }

    func testMissingValuesAndMalformedRowsAreReportedWithTheirLines() throws {
        let path = try write("# header next\nmonth,sst,other\n1950-01,23.1,1\n1950-02,,2\n1950-03,NA,3\n1950-04,24.5\n"
            + "1950-05,2x4,5\n1950-06,inf,6\n1950-07,\"open,7\n")
        // Malformed rows and bad values of the columns used come in one report, in line order.
        XCTAssertEqual(configErrorMessages { _ = try CSVFile(path: path).numbers(["sst"], role: "data.source.columns") }, [
            "\(path):4:9: error: missing value in column 'sst' (fill or drop the row: seqtrain does not impute)",
            "\(path):5:9: error: missing value in column 'sst' (fill or drop the row: seqtrain does not impute)",
            "\(path):6:1: error: this row has 2 fields, the header has 3 (every row needs one value per header column)",
            "\(path):7:9: error: '2x4' in column 'sst' is not a finite number",
            "\(path):8:9: error: 'inf' in column 'sst' is not a finite number",
            "\(path):9:1: error: a quoted field is not closed on this line (fields may not span lines; close the quote or remove it)",
        ])
        let many = try write("v\n" + (0..<30).map { _ in "x" }.joined(separator: "\n") + "\n", "many.csv")
        let capped = configErrorMessages { _ = try CSVFile(path: many).numbers(["v"], role: "columns") }
        XCTAssertEqual(capped.count, 21)
        XCTAssertEqual(capped.last, "\(many): error: and 10 more problems")
        let good = try write("month,sst,other\n1950-01,23.1,1\n1950-02,,2\n1950-03,NA,3\n1950-05,2x4,5\n1950-06,inf,6\n", "good.csv")
        // The other column is fine: only the columns used are checked.
        XCTAssertEqual(try CSVFile(path: good).numbers(["other"], role: "columns"), [1, 2, 3, 5, 6])
    }

    func testUnknownColumnsTimeOrderAndSeparatorsAreExplained() throws {
        let path = try write("month,sst\n1950-01,1\n1950-03,2\n1950-02,3\n")
        XCTAssertEqual(configErrorMessages { _ = try CSVFile(path: path).numbers(["sts"], role: "data.source.columns") },
                       ["\(path):1:1: error: data.source.columns names column 'sts', which the header does not have (did you mean 'sst'?)"])
        XCTAssertEqual(configErrorMessages { try CSVFile(path: path).checkTimeOrder("month") }, [
            "\(path):4:1: error: time '1950-02' does not come after '1950-03' (line 3) "
                + "(rows must be in time order, each time once; sort the file by 'month')",
        ])
        // Day- or month-first dates do not sort as strings: their order is not checked.
        XCTAssertNoThrow(try CSVFile(path: try write("date,v\n12/31/2019,2\n01/01/2020,3\n", "us.csv")).checkTimeOrder("date"))
        XCTAssertNoThrow(try CSVFile(path: try write("date,v\n31.12.2019,2\n01.01.2020,3\n", "eu.csv")).checkTimeOrder("date"))
        XCTAssertEqual(configErrorMessages { try CSVFile(path: try write("date,v\n2020/01/02,2\n2020/01/01,3\n", "iso.csv")).checkTimeOrder("date") }.count, 1)
        // Only \n, \r\n and \r end a line: other separators inside a field are text.
        let separators = try CSVFile(path: try write("t,v,note\n1,2,\"a\u{2028}b\"\n2,3,x\u{0C}y\u{85}z\n", "separators.csv"))
        XCTAssertEqual(try separators.numbers(["v"], role: "columns"), [2, 3])
        let numeric = try write("year,v\n2001,1\n2001,2\n", "numeric.csv")
        XCTAssertEqual(configErrorMessages { try CSVFile(path: numeric).checkTimeOrder("year") }.count, 1)
        let semicolons = try write("month;sst\n1950-01;1\n", "semi.csv")
        XCTAssertTrue(configErrorMessages { _ = try CSVFile(path: semicolons) }[0].contains("seems to separate fields with ';'"))
        XCTAssertTrue(configErrorMessages { _ = try CSVFile(path: path + ".missing") }[0].contains("no such CSV file"))
    }

    func testSplitSizesAsCountsAndFractions() {
        XCTAssertTrue(Split(train: 70, valid: 20, test: 10).counts(of: 1000) == (70, 20, 10))
        XCTAssertTrue(Split(train: .fraction(0.7), valid: .fraction(0.2), test: .fraction(0.1)).counts(of: 732) == (512, 147, 73))
        XCTAssertTrue(Split(train: .fraction(0.5), valid: .count(10), test: .fraction(0.25)).counts(of: 100) == (50, 10, 25))
        let thirds = Split(train: .fraction(1.0 / 3), valid: .fraction(1.0 / 3), test: .fraction(1.0 / 3)).counts(of: 100)
        XCTAssertEqual(thirds.train + thirds.valid + thirds.test, 100)
    }

    func testWindowsFollowTheStrideAndNoFutureRowReachesTraining() throws {
        let path = try rampFile()
        let data = DataConfig(source: .csv(CSVSource(path: path, columns: ["a"])), window: 5, target: .vector, horizon: 3,
                              split: Split(train: .fraction(0.6), valid: .fraction(0.2), test: .fraction(0.2)), stride: 2)
        let dataset = try Dataset(config: data, seed: 0)
        XCTAssertEqual(dataset.splitExtents[.train], 0..<60)
        XCTAssertEqual(dataset.splitExtents[.valid], 60..<80)
        XCTAssertEqual(dataset.splitExtents[.test], 80..<100)
        // Row r holds the value r, so values name their rows.
        let trainStarts = dataset.indices(of: .train).map { dataset.sampleStarts[$0] }
        XCTAssertEqual(trainStarts, Array(stride(from: 0, through: 52, by: 2)))
        for split in SplitName.allCases {
            let rows = dataset.splitExtents[split]!
            for sample in dataset.indices(of: split) {
                let window = dataset.window(ofSample: sample), future = dataset.future(ofSample: sample, steps: 3)
                XCTAssertTrue(future.allSatisfy { rows.contains(Int($0)) }, "\(split) targets \(future) outside \(rows)")
                XCTAssertTrue(window.allSatisfy { Int($0) < rows.upperBound && Int($0) < Int(future[0]) })
                if split == .train { XCTAssertTrue(window.allSatisfy { rows.contains(Int($0)) }) }
            }
        }
        XCTAssertEqual(dataset.indices(of: .valid).map { dataset.sampleStarts[$0] }, [55, 57, 59, 61, 63, 65, 67, 69, 71])
        XCTAssertEqual(dataset.indices(of: .test).count, 9)
    }

    func testSequenceTargetsOfValidationAndTestStayInTheirRows() throws {
        // A sequence target's targets start one step into the window: its samples look back one row only.
        let path = try rampFile()
        let data = DataConfig(source: .csv(CSVSource(path: path, columns: ["a"])), window: 5, target: .sequence, horizon: 3,
                              split: Split(train: 60, valid: 20, test: 20))
        let dataset = try Dataset(config: data, seed: 0)
        XCTAssertEqual(dataset.indices(of: .valid).map { dataset.sampleStarts[$0] }, Array(59...72))
        var y = [Float](repeating: 0, count: 5 * 3), x = [Float](repeating: 0, count: 5)
        for split in [SplitName.valid, .test] {
            for sample in dataset.indices(of: split) {
                [sample].withUnsafeBufferPointer { dataset.fillBatch(rows: $0, inputs: &x, targets: &y) }
                XCTAssertTrue(y.allSatisfy { dataset.splitExtents[split]!.contains(Int($0)) }, "\(split) sample \(sample): \(y)")
            }
        }
        var short = data
        short.split = Split(train: 60, valid: 6, test: 34)
        XCTAssertEqual(configErrorMessages { _ = try Dataset(config: short, seed: 0) }, [
            "\(path): error: the valid split has 6 rows; a sample needs its 7 target rows (window 5 + horizon 3 - 1) (give valid more rows)",
        ])
    }

    func testTooFewRowsForASampleIsAnError() throws {
        let path = try rampFile(rows: 40)
        let data = DataConfig(source: .csv(CSVSource(path: path, columns: ["a"])), window: 20, target: .vector, horizon: 10,
                              split: Split(train: .fraction(0.5), valid: .fraction(0.2), test: .fraction(0.3)))
        let errors = configErrorMessages { _ = try Dataset(config: data, seed: 0) }
        XCTAssertEqual(errors, [
            "\(path): error: the train split has 20 rows, fewer than one sample needs (window 20 + horizon 10) "
                + "(give train more rows or use a shorter window)",
            "\(path): error: the valid split has 8 rows; a sample needs the horizon (10) in it and 30 rows up to its end "
                + "(give valid more rows)",
        ])
        var tooMany = data
        tooMany.split = Split(train: 30, valid: 10, test: 5)
        XCTAssertTrue(configErrorMessages { _ = try Dataset(config: tooMany, seed: 0) }[0].contains("data.split takes 45 rows but the file has 40"))
    }

    func testStandardisationIsFittedOnTheTrainingRowsOnly() throws {
        // The last rows are huge: fitted on every row, the mean would move far from the training rows'.
        let path = try write("v\n" + (0..<50).map { $0 < 30 ? "\(Double($0 % 5))" : "1000" }.joined(separator: "\n") + "\n")
        let data = DataConfig(source: .csv(CSVSource(path: path, columns: ["v"])), window: 4, target: .next, horizon: 1,
                              split: Split(train: 30, valid: 10, test: 10), standardize: true)
        let dataset = try Dataset(config: data, seed: 0)
        XCTAssertEqual(dataset.scaling, [ColumnScaling(column: "v", mean: 2, std: 2.0.squareRoot())])
        XCTAssertEqual(dataset.values[3], Float((3 - 2) / 2.0.squareRoot()))
        XCTAssertEqual(dataset.scaling[0].invert(dataset.values[49]), 1000)
        let constant = try write("v\n" + Array(repeating: "7", count: 50).joined(separator: "\n") + "\n", "constant.csv")
        var flat = data
        flat.source = .csv(CSVSource(path: constant, columns: ["v"]))
        XCTAssertTrue(configErrorMessages { _ = try Dataset(config: flat, seed: 0) }[0].contains("column 'v' is constant over the 30 training rows"))
    }

    func testSeveralColumnsAreFeaturesAndTargetsAreLaidOutStepMajor() throws {
        let path = try rampFile()
        var data = DataConfig(source: .csv(CSVSource(path: path, columns: ["a", "b", "c"], targets: ["c", "a"])), window: 3,
                              target: .vector, horizon: 2, split: Split(train: 60, valid: 20, test: 20))
        var dataset = try Dataset(config: data, seed: 0)
        XCTAssertEqual(dataset.inputShape, .sequence(steps: 3, features: 3))
        XCTAssertEqual(dataset.targetShape, .vector(4))
        let rows = [4, 0]
        func batch(_ dataset: Dataset) -> (x: [Float], y: [Float], naive: [Float]) {
            var x = [Float](repeating: 0, count: 2 * 3 * 3), y = [Float](repeating: 0, count: 2 * dataset.targetShape.count)
            var naive = y
            rows.withUnsafeBufferPointer { r in
                dataset.fillBatch(rows: r, inputs: &x, targets: &y)
                dataset.fillNaivePrediction(rows: r, prediction: &naive)
            }
            return (x, y, naive)
        }
        var (x, y, naive) = batch(dataset)
        // Time-major inputs [T][B][F]: sample 4 starts at row 4, sample 0 at row 0.
        XCTAssertEqual(Array(x[0..<6]), [4, 104, 204, 0, 100, 200])
        XCTAssertEqual(Array(x[12..<18]), [6, 106, 206, 2, 102, 202])
        // Targets [B][H][K] with K = (c, a): rows 7 and 8 for sample 4.
        XCTAssertEqual(y, [207, 7, 208, 8, 203, 3, 204, 4])
        XCTAssertEqual(naive, [206, 6, 206, 6, 202, 2, 202, 2])
        data.target = .sequence
        dataset = try Dataset(config: data, seed: 0)
        XCTAssertEqual(dataset.targetShape, .sequence(steps: 3, features: 4))
        (x, y, naive) = batch(dataset)
        // [T][B][H][K]: at step 0 sample 4 predicts rows 5 and 6; at step 2 rows 7 and 8.
        XCTAssertEqual(Array(y[0..<4]), [205, 5, 206, 6])
        XCTAssertEqual(Array(y[16..<20]), [207, 7, 208, 8])
        XCTAssertEqual(Array(naive[16..<20]), [206, 6, 206, 6])
    }

    /// The shipped series cut and scaled as numpy and `keras.utils.timeseries_dataset_from_array` cut
    /// them (Fixtures/csv_golden.json, made by scripts/golden/make_csv_golden.py).
    func testWindowsAndScalingMatchKerasAndNumpy() throws {
        let cases = try XCTUnwrap(try fixture("csv_golden.json")["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for c in cases {
            let columns = c["columns"] as! [String], fractions = (c["fractions"] as! [NSNumber]).map(\.doubleValue)
            let data = DataConfig(source: .csv(CSVSource(path: repositoryRoot + "/" + (c["file"] as! String), columns: columns,
                                                         targets: c["targets"] as? [String])),
                                  window: c["window"] as! Int, target: .vector, horizon: c["horizon"] as! Int,
                                  split: Split(train: .fraction(fractions[0]), valid: .fraction(fractions[1]), test: .fraction(fractions[2])),
                                  stride: c["stride"] as! Int, standardize: true)
            let dataset = try Dataset(config: data, seed: 0)
            let what = "\(c["file"]!) window \(data.window) stride \(data.stride)"
            XCTAssertEqual(dataset.values.count / columns.count, c["rows"] as! Int, what)
            XCTAssertEqual([dataset.splitExtents[.train]!.upperBound, dataset.splitExtents[.valid]!.upperBound,
                            dataset.splitExtents[.test]!.upperBound], ints(c["boundaries"]), what)
            for (f, (mean, std)) in zip((c["mean"] as! [NSNumber]).map(\.doubleValue), (c["std"] as! [NSNumber]).map(\.doubleValue)).enumerated() {
                XCTAssertEqual(dataset.scaling[f].mean, mean, accuracy: abs(mean) * 1e-13, what)
                XCTAssertEqual(dataset.scaling[f].std, std, accuracy: std * 1e-13, what)
            }
            let starts = c["starts"] as! [String: Any], first = c["first_samples"] as! [String: [String: Any]]
            for split in SplitName.allCases {
                let samples = dataset.indices(of: split)
                XCTAssertEqual(samples.map { dataset.sampleStarts[$0] }, ints(starts[split.rawValue]), "\(what) \(split)")
                assertClose(Array(dataset.window(ofSample: samples.lowerBound)), floats(first[split.rawValue]!["input"]),
                            tolerance: 1e-6, "\(what) \(split) first input")
                assertClose(dataset.future(ofSample: samples.lowerBound, steps: data.horizon), floats(first[split.rawValue]!["target"]),
                            tolerance: 1e-6, "\(what) \(split) first target")
            }
        }
    }
}
