import Foundation
import SeqTrainConfig
import SeqTrainCore
import SeqTrainModel

/// The chapter's `generate_time_series(batch_size, n_steps)`, reproduced bit for bit.
///
/// All arithmetic is float64 in numpy's order; the cast to float32 comes last.
public enum SineGenerator {
    /// Returns the series row-major as `[seriesCount, steps]` float32 values (one feature).
    public static func generate(seed: UInt32, seriesCount: Int, steps: Int) -> [Float] {
        precondition(seriesCount > 0 && steps > 1, "need at least one series of two steps")
        var random = MersenneTwister(seed: seed)
        // np.random.rand(4, batch_size, 1) unpacks into four blocks, in this order.
        let freq1 = (0..<seriesCount).map { _ in random.nextDouble() }
        let freq2 = (0..<seriesCount).map { _ in random.nextDouble() }
        let offsets1 = (0..<seriesCount).map { _ in random.nextDouble() }
        let offsets2 = (0..<seriesCount).map { _ in random.nextDouble() }
        // np.linspace(0, 1, n): i * (1 / (n - 1)), with the last element exactly 1.
        let step = 1.0 / Double(steps - 1)
        var time = (0..<steps).map { Double($0) * step }
        time[steps - 1] = 1.0

        // The noise block np.random.rand(batch_size, n_steps) is drawn row-major after the four
        // blocks, which is exactly the order of this loop.
        var out = [Float](repeating: 0, count: seriesCount * steps)
        for s in 0..<seriesCount {
            let w1 = freq1[s] * 10 + 10
            let w2 = freq2[s] * 20 + 20
            for t in 0..<steps {
                var value = 0.5 * sin((time[t] - offsets1[s]) * w1)
                value += 0.2 * sin((time[t] - offsets2[s]) * w2)
                value += 0.1 * (random.nextDouble() - 0.5)
                out[s * steps + t] = Float(value)
            }
        }
        return out
    }
}
