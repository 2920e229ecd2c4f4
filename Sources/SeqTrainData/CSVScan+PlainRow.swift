/// The common row read in one pass: split at commas and parsed as it is scanned.
///
/// Most rows of a big file are plain: ASCII numbers between commas, nothing to trim, the right number
/// of fields. `readPlainRow` reads such a row byte by byte once, parsing each requested field while
/// it looks for the comma after it, where the general route (`readLines`, then `process`) scans the
/// row for its commas first and parses the fields afterwards. Anything else (a space, a quote, a
/// byte outside ASCII, a blank or comment line, a wrong field count, a field `DecimalFloat` leaves
/// alone) makes it give the row back untouched to the general route, which reads it and reports its
/// problems exactly as before: the values, messages, lines and columns are the same either way.
extension CSVScan {
    // The bytes a plain row is made of, as literals so that the compiler compares with immediates.
    private static var lineFeed: UInt8 { 0x0A }
    private static var carriageReturn: UInt8 { 0x0D }

    /// Reads the row starting at `base[start]` (before `end`) when it is plain: appends its requested
    /// values, counts it and returns the position of its line end (LF or CR). Returns nil, with
    /// nothing changed, for a row the general route must read. Needs the requested columns in file
    /// order (`readsPlainRows`), so each value is appended as its field is reached.
    @inline(__always)
    mutating func readPlainRow(_ base: UnsafePointer<UInt8>, from start: Int, end n: Int, fields expected: Int) -> Int? {
        let first = base[start]
        if first == 0x20 || first == 0x09 || first == 0x23 || first == Self.lineFeed || first == Self.carriageReturn { return nil }
        let before = values.count
        var i = start, nextColumn = 0
        var wanted = columnIndices.isEmpty ? -1 : columnIndices[0]
        for field in 0..<expected {
            if field == wanted {
                guard let value = DecimalFloat.parsePrefix(base, at: &i, end: n) else { return giveBack(to: before) }
                values.append(value)
                nextColumn += 1
                wanted = nextColumn < columnIndices.count ? columnIndices[nextColumn] : -1
            } else {
                // A field that is not read: only its end matters, and that it needs no decoding.
                while i < n {
                    let byte = base[i]
                    if byte &- 0x2D < 0x53 { i += 1; continue }  // '-' to DEL: digits, letters, '.'
                    if byte == 0x2C || byte == Self.lineFeed || byte == Self.carriageReturn { break }
                    if byte == 0x22 || byte >= 0x80 { return giveBack(to: before) }
                    i += 1
                }
            }
            guard i < n else { return giveBack(to: before) }
            let byte = base[i]
            if field + 1 < expected {
                guard byte == 0x2C else { return giveBack(to: before) }
                i += 1
            } else {
                guard byte == Self.lineFeed || byte == Self.carriageReturn else { return giveBack(to: before) }
            }
        }
        rowCount += 1
        return i
    }

    /// Drops the values a row appended before it was given back to the general route.
    private mutating func giveBack(to count: Int) -> Int? {
        if values.count > count { values.removeLast(values.count - count) }
        return nil
    }
}
