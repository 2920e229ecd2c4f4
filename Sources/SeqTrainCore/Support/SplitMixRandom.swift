/// A small, fast, seedable generator (xoshiro256**) for initial weights and shuffling.
///
/// Each use gets its own stream derived from the experiment seed and a label, so that adding a
/// layer does not change how the data is shuffled, and an epoch's order depends only on its number.
public struct SplitMixRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A stream identified by the experiment seed, a purpose and an index (layer or epoch).
    public init(seed: UInt32, purpose: String, index: Int = 0) {
        var x = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        for byte in purpose.utf8 { x = (x ^ UInt64(byte)) &* 0x1000_0000_01B3 }
        x ^= UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03
        func splitMix(_ state: inout UInt64) -> UInt64 {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in 0..<bound, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        let limit = UInt64.max - UInt64.max % UInt64(bound)
        while true {
            let value = next()
            if value < limit { return Int(value % UInt64(bound)) }
        }
    }

    /// Standard normal (Box-Muller, one value per call).
    public mutating func nextNormal() -> Double {
        var u = nextDouble()
        while u <= 0 { u = nextDouble() }
        let v = nextDouble()
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    /// Shuffles `values` in place (Fisher-Yates).
    public mutating func shuffle(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, nextInt(below: i + 1))
        }
    }
}
