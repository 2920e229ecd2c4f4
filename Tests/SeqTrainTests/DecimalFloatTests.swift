import Foundation
import SeqTrain
import XCTest

/// The CSV reader's own float parser gives exactly the float `Float(String)` gives, bit for bit, or
/// leaves the text to `Float(String)`.
final class DecimalFloatTests: XCTestCase {
    /// Parses `text` with `DecimalFloat`; nil when it leaves the text to `Float(String)`.
    private func parse(_ text: String) -> Float? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalFloat.parse($0) }
    }

    /// Checks every text against `Float(String)` and returns how many `DecimalFloat` parsed itself.
    @discardableResult
    private func check(_ texts: [String], file: StaticString = #filePath, line: UInt = #line) -> Int {
        var handled = 0
        for text in texts {
            guard let ours = parse(text) else { continue }
            handled += 1
            guard let reference = Float(text) else {
                XCTFail("'\(text)': DecimalFloat gave \(ours), Float(String) refuses it", file: file, line: line)
                continue
            }
            if ours.bitPattern != reference.bitPattern {
                XCTFail("'\(text)': DecimalFloat \(ours) (\(ours.bitPattern)), Float(String) \(reference) (\(reference.bitPattern))",
                        file: file, line: line)
            }
        }
        return handled
    }

    /// `parsePrefix` inside a row, where the eight-byte digit steps see the bytes after a field:
    /// wherever `parse` gives a float, it gives the same bits and stops at the field's end; wherever
    /// `parse` leaves the text, it leaves it too or stops before the end (the row goes the general way).
    private func checkInsideRows(_ texts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for text in texts {
            for after in [",0123456789\n", "\n", "7,", "", " ,1", "e5,5", "abcdefghij"] {
                let row = Array((text + after).utf8)
                var end = 0
                let ours = row.withUnsafeBufferPointer { DecimalFloat.parsePrefix($0.baseAddress!, at: &end, end: $0.count) }
                let whole = parse(text)
                let stopsAtEnd = end == text.utf8.count
                let after0 = after.utf8.first
                // Bytes that may continue a number make the prefix longer than the field: not a field's end.
                let canContinue = after0.map { (0x30...0x39).contains($0) || $0 == 0x65 || $0 == 0x2E } ?? false
                guard !canContinue else { continue }
                if let whole {
                    XCTAssertTrue(stopsAtEnd, "'\(text)' + '\(after)': stopped at \(end)", file: file, line: line)
                    XCTAssertEqual(ours?.bitPattern, whole.bitPattern, "'\(text)' + '\(after)'", file: file, line: line)
                } else {
                    XCTAssertTrue(ours == nil || !stopsAtEnd, "'\(text)' + '\(after)': gave \(String(describing: ours))",
                                  file: file, line: line)
                }
            }
        }
    }

    func testHandPickedCases() {
        let texts = [
            "0", "-0", "+0", "0.0", "-0.0", "000", "0e5", "-0e-5", "1", "-1", "+1", ".5", "5.", "-.5e-3", "00012.5000", "0000.000123",
            "1e5", "1E+05", "1e-05", "2.5E-3", "1e10", "1e-10", "1e27", "1e-27", "1e28", "1e-28", "123456789e-27",
            "16777216", "16777217", "16777218", "16777219", "16777221", "33554434", "33554438", "-16777217",
            "9007199254740993", "9223372036854775807", "18446744073709551615", "9999999999999999999", "10000000000000000000",
            "0.1", "0.2", "0.3", "0.7", "3.14159265358979323846", "2.7182818", "1.17549435e-38", "1.1754944e-38", "1.4e-45",
            "1e-40", "3.4028235e38", "3.4028234663852886e38", "3.4028236e38", "340282346638528859811704183484516925440",
            "1.0000000596046447", "1.0000000596046448", "1.00000005960464477539", "1.000000059604644775390625",
            "16384.0009765625", "16384.00048828125", "0.000000000000000000001", "123456.789", "-98765.4321e-2",
            // Text it must leave to Float(String) or refuse like it.
            "", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "inf", "-inf", "nan", "NaN", "0x10", "1_000", "1e99999",
            "1d5", "--1", "+-1", "1e5.5",
        ]
        XCTAssertGreaterThan(check(texts), 40)
        checkInsideRows(texts)
        XCTAssertNil(parse("1e-40"), "a subnormal result is left to Float(String)")
        XCTAssertNil(parse("inf"))
        XCTAssertEqual(parse("-0")?.sign, .minus)
    }

    /// Exact halfway points between neighbouring floats, and points a hair above and below them,
    /// where the last digit decides the rounding.
    func testHalfwayAndNearHalfwayCases() {
        var random = SplitMixRandom(seed: 7, purpose: "decimal-float-test")
        var texts: [String] = []
        for _ in 0..<20_000 {
            let bits = UInt32(truncatingIfNeeded: random.next())
            let f = Float(bitPattern: bits & 0x7FFF_FFFF)
            guard f.isNormal, f.nextUp.isFinite else { continue }
            let midpoint = (Double(f) + Double(f.nextUp)) / 2  // exact: 25 significant bits
            texts.append(String(format: "%.17e", midpoint))
            texts.append(String(format: "%.18e", midpoint))
            texts.append(String(format: "%.8e", midpoint))
            if midpoint >= 1, midpoint < 1e19 {
                var exact = String(format: "%.30f", midpoint)  // a dyadic midpoint's exact decimal digits
                while exact.hasSuffix("0") { exact.removeLast() }
                if exact.hasSuffix(".") { exact.removeLast() }
                texts.append(exact)
                texts.append("-" + exact)
            }
        }
        let handled = check(texts)
        XCTAssertGreaterThan(handled, texts.count / 2, "most of these are within the parser's exact range")
    }

    /// Short decimals at and beside float midpoints, where multiplying by the double nearest 10^k
    /// (instead of dividing by 10^k) must give way to the exact routes: every float from 2^7 to 2^24
    /// has midpoints with at most 17 decimals, each also written one unit in the last place off.
    func testShortDecimalsAtMidpoints() {
        var random = SplitMixRandom(seed: 13, purpose: "decimal-float-test")
        var texts: [String] = []
        for _ in 0..<20_000 {
            let f = Float(sign: .plus, exponent: 7 + Int(random.next() % 17), significand: 1 + Float(random.next() % (1 << 23)) / Float(1 << 23))
            let midpoint = (Double(f) + Double(f.nextUp)) / 2
            var exact = String(format: "%.30f", midpoint)
            while exact.hasSuffix("0") { exact.removeLast() }
            texts.append(exact)
            // The same digits one unit lower and higher in the last place, and with a trailing zero.
            let last = exact.last!.wholeNumberValue!
            if last > 0 { texts.append(String(exact.dropLast()) + String(last - 1)) }
            if last < 9 { texts.append(String(exact.dropLast()) + String(last + 1)) }
            texts.append(exact + "0")
        }
        let handled = check(texts)
        XCTAssertGreaterThan(handled, texts.count / 2)
        checkInsideRows(Array(texts.prefix(2000)))
    }

    /// Random floats in the ways files write them: shortest, fixed and scientific, long mantissas, exponents, signs.
    func testRandomDecimalsInCommonFormats() {
        var random = SplitMixRandom(seed: 11, purpose: "decimal-float-test")
        var texts: [String] = []
        for _ in 0..<20_000 {
            let unit = Double(random.next() >> 11) / Double(1 << 53)
            let scale = pow(10, Double(Int(random.next() % 24)) - 12)
            let x = (unit - 0.5) * scale
            texts += [String(format: "%.6f", x), String(format: "%.9g", x), String(format: "%.12g", x), String(format: "%.17g", x),
                      String(format: "%.3e", x), "\(Float(x))", "\(x)"]
            // Random digit strings with a point and an exponent, leading zeros and signs.
            let digits = String((0..<Int(1 + random.next() % 22)).map { _ in Character(String(random.next() % 10)) })
            let point = Int(random.next() % UInt64(digits.count + 1))
            let mantissa = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            let exponent = Int(random.next() % 61) - 30
            let sign = ["", "-", "+"][Int(random.next() % 3)]
            texts += [sign + mantissa, sign + mantissa + "e\(exponent)", sign + "00" + digits + "E\(exponent)"]
        }
        let handled = check(texts)
        XCTAssertGreaterThan(handled, texts.count / 2)
        checkInsideRows(texts)
    }
}
