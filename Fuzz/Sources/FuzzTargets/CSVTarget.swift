import Foundation
import SeqTrain

/// The CSV readers: `CSVFile` (a CSV data source: header, every column's numbers, the time order of
/// the first column) and `SeriesFile` (predict's `--input`). The input is the file's bytes. Bad input
/// must be `ConfigErrors`; numbers read must be finite and one per row and column.
public func fuzzCSV(_ bytes: UnsafeBufferPointer<UInt8>) {
    let path = Scratch.write(bytes, to: "series.csv")
    do {
        let file = try CSVFile(path: path)
        require(!file.header.isEmpty, "a CSV file read without header columns")
        let values = try? file.numbers(file.header, role: "data.source.columns")
        if let values {
            require(values.count == file.rowCount * file.header.count, "\(values.count) values for \(file.rowCount) rows")
            require(values.allSatisfy(\.isFinite), "a non-finite value was read")
        }
        _ = try? file.numbers([file.header[0], "no such column"], role: "data.source.targets")
        try? file.checkTimeOrder(file.header[0])
    } catch is ConfigErrors {
    } catch {
        fatalError("CSVFile threw \(type(of: error)), not ConfigErrors: \(error)")
    }
    do {
        let values = try SeriesFile.read(path)
        require(values.allSatisfy(\.isFinite), "a non-finite series value was read")
    } catch is ConfigErrors {
    } catch {
        fatalError("SeriesFile.read threw \(type(of: error)), not ConfigErrors: \(error)")
    }
}
