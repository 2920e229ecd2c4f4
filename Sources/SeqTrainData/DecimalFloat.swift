/// A correctly rounded decimal-to-float32 parser for the plain numbers of a CSV file, without
/// making a `String`.
///
/// It reads `[+-]? digits [. digits] [(e|E) [+-]? digits]` (at least one mantissa digit) and returns
/// exactly the float `Float(String)` returns for the same text, or nil when it cannot be sure: text
/// outside that grammar (`inf`, `nan`, hexadecimal, spaces), more than 19 significant digits, a
/// decimal exponent outside ±27, or a result that is subnormal or does not fit a float. The caller
/// then asks `Float(String)`. `DecimalFloatTests` compares the two on many tricky strings.
///
/// Four routes, tried in order:
/// - For a negative exponent, a multiplication by the double nearest 10^k, used only when its
///   result is clearly away from every midpoint between floats (see `value`).
/// - Clinger's fast path in double (w ≤ 2^53, |k| ≤ 22) gives d, the double nearest the exact value
///   x. Every midpoint between neighbouring floats is a double, and rounding to a double is
///   monotonic, so d lies on the same side of every midpoint as x unless d is itself a midpoint:
///   then d and x round to the same float. A d that is a midpoint (its low 29 bits 1000…0) takes
///   the next routes.
/// - The same in float32: a mantissa w ≤ 2^24 and a power 10^k with |k| ≤ 10 are both exact
///   floats, so one IEEE multiplication or division rounds the exact value once.
/// - Otherwise integer arithmetic: w·10^k = w·5^k·2^k is an exact 128-bit product for k ≥ 0; for k < 0
///   the quotient w·2^s / 5^|k| is taken to 63 or 64 bits with its remainder as a sticky bit. The
///   top 24 bits are then rounded to nearest, ties to even, from the bits below.
public enum DecimalFloat {
    /// 5^k for k in 0...27, each below 2^64.
    static let powersOfFive: [UInt64] = (0...27).map { k in (0..<k).reduce(UInt64(1)) { product, _ in product * 5 } }

    /// The float of `text` (ASCII bytes, no surrounding spaces), or nil when `Float(String)` must decide.
    @inline(__always)
    public static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Float? {
        guard let base = text.baseAddress else { return nil }
        var i = 0
        guard let value = parsePrefix(base, at: &i, end: text.count), i == text.count else { return nil }
        return value
    }

    /// Reads the grammar's longest match from `base[i]` on (stopping at `end` at the latest) and
    /// leaves `i` just after it: the float of that text, or nil as `parse` decides. The caller checks
    /// the byte at `i`: when it is one that cannot continue a number (a comma, a line end), the
    /// result is `parse`'s for the text between, so a CSV row is split and parsed in one pass.
    @inline(__always)
    public static func parsePrefix(_ text: UnsafePointer<UInt8>, at index: inout Int, end n: Int) -> Float? {
        var i = index
        defer { index = i }
        guard i < n else { return nil }
        let zero = UInt8(ascii: "0")
        let negative = text[i] == UInt8(ascii: "-")
        if negative || text[i] == UInt8(ascii: "+") { i += 1 }
        // Leading zeros (of the integer part, then of the fraction) are not significant digits.
        var mantissa: UInt64 = 0, exponent = 0, digits = 0, significant = 0
        while i < n, text[i] == zero { i += 1; digits += 1 }
        let integerStart = i
        readDigits(text, at: &i, end: n, into: &mantissa)
        significant += i - integerStart
        if i < n, text[i] == UInt8(ascii: ".") {
            i += 1
            if significant == 0 {
                while i < n, text[i] == zero { i += 1; digits += 1; exponent -= 1 }
            }
            let fractionStart = i
            readDigits(text, at: &i, end: n, into: &mantissa)
            significant += i - fractionStart
            exponent -= i - fractionStart
        }
        guard digits + significant > 0, significant <= 19 else { return nil }
        if i < n, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < n, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            var written = 0
            while i < n, text[i] &- zero < 10, i - exponentStart < 5 { written = written * 10 + Int(text[i] &- zero); i += 1 }
            guard i > exponentStart, i - exponentStart < 5 else { return nil }
            exponent += exponentNegative ? -written : written
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        return value(mantissa: mantissa, exponent: exponent, negative: negative)
    }

    /// Reads the run of decimal digits at `text[i]` into `mantissa` (times 10 per digit, plus the
    /// digit, wrapping as the one-digit loop would) and leaves `i` after it. Eight bytes are looked
    /// at together while eight are left before `end`: the digits at their front are found and
    /// converted at once (SWAR, as simdjson does), so a number's six decimals take one step, not six.
    @inline(__always)
    static func readDigits(_ text: UnsafePointer<UInt8>, at index: inout Int, end n: Int, into mantissa: inout UInt64) {
        var i = index
        defer { index = i }
        while i + 8 <= n {
            let chunk = UInt64(littleEndian: UnsafeRawPointer(text + i).loadUnaligned(as: UInt64.self))
            // A byte's top bit is set in `below` when it is under '0' and in `above` when it is over
            // '9'; a borrow or carry only reaches bytes after a non-digit, which are not counted.
            let below = chunk &- 0x3030_3030_3030_3030, above = chunk &+ 0x4646_4646_4646_4646
            let nonDigits = (below | above) & 0x8080_8080_8080_8080
            let count = nonDigits == 0 ? 8 : nonDigits.trailingZeroBitCount >> 3
            guard count > 0 else { return }
            // The `count` digits moved to the high end: the bytes below become leading zeros.
            mantissa = mantissa &* powerOfTenInteger(count) &+ eightDigits(below &<< (64 - 8 * count))
            i += count
            if count < 8 { return }
        }
        let zero = UInt8(ascii: "0")
        while i < n, text[i] &- zero < 10 { mantissa = mantissa &* 10 &+ UInt64(text[i] &- zero); i += 1 }
    }

    /// The number written by eight digit values 0...9, one per byte, the first byte the most significant.
    @inline(__always)
    static func eightDigits(_ bytes: UInt64) -> UInt64 {
        let pairs = bytes &* 10 &+ (bytes >> 8)  // each 16-bit lane's low byte: two digits' value
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        return ((pairs & mask) &* (100 + (1_000_000 << 32)) &+ ((pairs >> 16) & mask) &* (1 + (10_000 << 32))) >> 32
    }

    /// 10^k for k in 0...8.
    @inline(__always)
    static func powerOfTenInteger(_ k: Int) -> UInt64 {
        switch k {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        default: return 100_000_000
        }
    }

    /// 10^k for k in 0...22, each exact in a double.
    @inline(__always)
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// The double nearest 10^-k for k in 1...22.
    @inline(__always)
    static func inversePowerOfTen(_ k: Int) -> Double {
        switch k {
        case 1: return 1e-1
        case 2: return 1e-2
        case 3: return 1e-3
        case 4: return 1e-4
        case 5: return 1e-5
        case 6: return 1e-6
        case 7: return 1e-7
        case 8: return 1e-8
        case 9: return 1e-9
        case 10: return 1e-10
        case 11: return 1e-11
        case 12: return 1e-12
        case 13: return 1e-13
        case 14: return 1e-14
        case 15: return 1e-15
        case 16: return 1e-16
        case 17: return 1e-17
        case 18: return 1e-18
        case 19: return 1e-19
        case 20: return 1e-20
        case 21: return 1e-21
        default: return 1e-22
        }
    }

    /// The float nearest to ±mantissa·10^exponent, or nil when it is out of the exact routes' range.
    @inline(__always)
    static func value(mantissa w: UInt64, exponent k: Int, negative: Bool) -> Float? {
        // The double route first, for short and long mantissas alike: a CSV column mixes both, and
        // one well-predicted branch is cheaper than guessing which route each number takes.
        if w <= 1 << 53, k < 0, k >= -22 {
            // A multiplication instead of a division (a quarter of its latency): the double nearest
            // 10^k carries one rounding and the product another, so d is within 2^-52 of the exact
            // value relative to it: a few units of d's last place. Unless d's low 29 bits are within
            // 16 units of a float midpoint's (1000…0), no midpoint lies between d and the exact
            // value, and both round to the same float. (The result is far from the float range's ends.)
            let d = Double(w) * inversePowerOfTen(-k)
            if (d.bitPattern & 0x1FFF_FFFF) &- (0x1000_0000 - 16) > 32 {
                let x = Float(d)
                return negative ? -x : x
            }
        }
        if w <= 1 << 53, k >= -22, k <= 22 {
            // Clinger in double: d is the double nearest the exact value. Every float midpoint is a
            // double, so unless d is one, d and the exact value round to the same float.
            let d = k >= 0 ? Double(w) * powerOfTen(k) : Double(w) / powerOfTen(-k)
            if d >= 0x1p-126, d < 0x1p128, d.bitPattern & 0x1FFF_FFFF != 0x1000_0000 {
                let x = Float(d)
                if x.isFinite { return negative ? -x : x }
            }
        }
        if w <= 1 << 24, k >= -10, k <= 10 {
            let x = k >= 0 ? Float(w) * Float(powerOfTen(k)) : Float(w) / Float(powerOfTen(-k))
            return negative ? -x : x
        }
        return exactValue(mantissa: w, exponent: k, negative: negative)
    }

    /// The integer route of `value`: exact products and quotients, then one rounding.
    static func exactValue(mantissa w: UInt64, exponent k: Int, negative: Bool) -> Float? {
        guard k >= -27, k <= 27 else { return nil }
        if k >= 0 {
            // w·5^k exactly, as 128 bits; keep the top 64 with the rest as a sticky bit.
            let (high, low) = w.multipliedFullWidth(by: powersOfFive[k])
            guard high != 0 else { return rounded(low, sticky: false, binaryExponent: k, negative: negative) }
            let extra = 64 - high.leadingZeroBitCount
            let top = high << (64 - extra) | low >> extra
            return rounded(top, sticky: low << (64 - extra) != 0, binaryExponent: k + extra, negative: negative)
        }
        // w / (5^|k|·2^|k|): divide w·2^s by 5^|k| with s chosen so the quotient has 63 or 64 bits
        // (at least 2^62, below 2^64, so the high word stays below the divisor).
        let divisor = powersOfFive[-k]
        let s = 63 + (64 - divisor.leadingZeroBitCount) - (64 - w.leadingZeroBitCount)
        let dividend: (high: UInt64, low: UInt64) = s >= 64 ? (w << (s - 64), 0) : (s == 0 ? 0 : w >> (64 - s), w << s)
        let (quotient, remainder) = divisor.dividingFullWidth(dividend)
        return rounded(quotient, sticky: remainder != 0, binaryExponent: k - s, negative: negative)
    }

    /// ±(m + a fraction that is non-zero when `sticky`)·2^binaryExponent rounded to nearest, ties to
    /// even; nil when the result is not a normal float (subnormal, or too large).
    @inline(__always)
    static func rounded(_ m: UInt64, sticky: Bool, binaryExponent: Int, negative: Bool) -> Float? {
        let bits = 64 - m.leadingZeroBitCount
        var top: UInt64, shift = bits - 24
        if shift <= 0 {
            guard !sticky else { return nil }  // not reached: a quotient has 63 or more bits
            top = m << -shift
        } else {
            top = m >> shift
            let rest = m & ((1 << shift) - 1), half: UInt64 = 1 << (shift - 1)
            if rest > half || (rest == half && (sticky || top & 1 == 1)) { top += 1 }
            if top == 1 << 24 { top >>= 1; shift += 1 }
        }
        let unbiased = binaryExponent + shift + 23  // top / 2^23 is in [1, 2)
        guard unbiased >= -126, unbiased <= 127 else { return nil }
        return Float(sign: negative ? .minus : .plus, exponentBitPattern: UInt(unbiased + 127),
                     significandBitPattern: UInt32(top - (1 << 23)))
    }
}
