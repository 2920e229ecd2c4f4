import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// MT19937 seeded like numpy's legacy `np.random.seed(s)`, producing `np.random.rand` doubles bit for bit.
///
/// numpy's legacy seeding uses the reference `init_genrand(s & 0xffffffff)`, not `init_by_array`,
/// and builds each double from two 32-bit outputs with 53 random bits.
public struct MersenneTwister {
    private static let n = 624
    private static let m = 397
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// Seeds the generator as `np.random.seed(seed)` does for a seed that fits in 32 bits.
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<Self.n {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    /// The next tempered 32-bit output (`genrand_int32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// The next double in [0, 1), as `np.random.rand()` computes it (`genrand_res53`).
    public mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    private mutating func twist() {
        let upperMask: UInt32 = 0x8000_0000
        let lowerMask: UInt32 = 0x7fff_ffff
        for i in 0..<Self.n {
            let y = (state[i] & upperMask) | (state[(i + 1) % Self.n] & lowerMask)
            var next = state[(i + Self.m) % Self.n] ^ (y >> 1)
            if y & 1 != 0 { next ^= 0x9908_b0df }
            state[i] = next
        }
        index = 0
    }
}
