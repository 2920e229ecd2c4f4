import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One matrix product a model runs, as `seqtrain bench --kernels` times it.
public struct KernelShape: Sendable {
    /// Where the model runs it.
    public var name: String
    /// `c[M,N] (+)= a · b` with `a` `[M,K]`, or `[K,M]` read transposed.
    public var m: Int, n: Int, k: Int
    /// `a` is stored `[K, M]` (a weight gradient: inputs transposed times output gradients).
    public var transposedA: Bool
    /// `b` is a `ReusedMatrix` (a recurrent kernel, the same at every step).
    public var reused: Bool
    /// The product adds to `c` (a step's recurrent projection adds to its input projection).
    public var accumulate: Bool

    /// Floating-point operations of one product.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// A timed kernel: its shape and GFLOP/s on one core.
public struct KernelRate: Sendable {
    /// The product timed.
    public var shape: KernelShape
    /// Billions of floating-point operations per second of thread CPU time.
    public var gflops: Double
}

/// Times the matrix kernel on one core against the core's measured FMA peak. Times are the thread's
/// CPU time, so other processes on a busy machine change them little; each figure is the best of 5.
public enum KernelBenchmark {
    /// The products of a training step of the 128-unit models (`units` wide), shard batch `batch`
    /// (16: a batch of 32 in two shards) over `steps` time steps (50).
    public static func shapes(units U: Int, batch B: Int = 16, steps T: Int = 50) -> [KernelShape] {
        let rows = T * B
        return [
            KernelShape(name: "SimpleRNN step h·W_rec", m: B, n: U, k: U, transposedA: false, reused: true, accumulate: true),
            KernelShape(name: "SimpleRNN state gradient dz·W_recᵀ", m: B, n: U, k: U, transposedA: false, reused: true, accumulate: false),
            KernelShape(name: "input projection x·W", m: rows, n: U, k: U, transposedA: false, reused: false, accumulate: false),
            KernelShape(name: "weight gradient xᵀ·dz", m: U, n: U, k: rows, transposedA: true, reused: false, accumulate: false),
            KernelShape(name: "LSTM step h·W_rec", m: B, n: 4 * U, k: U, transposedA: false, reused: true, accumulate: true),
            KernelShape(name: "LSTM state gradient dz·W_recᵀ", m: B, n: U, k: 4 * U, transposedA: false, reused: true, accumulate: false),
            KernelShape(name: "LSTM input projection x·W", m: rows, n: 4 * U, k: U, transposedA: false, reused: false, accumulate: false),
            KernelShape(name: "LSTM weight gradient xᵀ·dz", m: U, n: 4 * U, k: rows, transposedA: true, reused: false, accumulate: false),
        ]
    }

    /// The thread's CPU time in seconds.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Runs `body` (which does `flops` operations) about 10⁹ operations long, 5 times; the best rate in GFLOP/s.
    static func bestRate(flops: Double, _ body: () -> Void) -> Double {
        let repeats = max(1, Int(1e9 / max(flops, 1)))
        var best = 0.0
        for _ in 0..<5 {
            let start = cpuSeconds()
            for _ in 0..<repeats { body() }
            let seconds = cpuSeconds() - start
            if seconds > 0 { best = max(best, flops * Double(repeats) / seconds / 1e9) }
        }
        return best
    }

    /// The core's FMA peak in GFLOP/s at the instruction set in use, measured.
    public static func fmaPeak() -> Double {
        let iterations = 2_000_000
        let flops = Double(st_fma_probe(1))  // per iteration
        return bestRate(flops: flops * Double(iterations)) { _ = st_fma_probe(iterations) }
    }

    /// Times one product on fixed pseudo-random operands.
    public static func rate(_ shape: KernelShape) -> KernelRate {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
        var random = SplitMixRandom(seed: 1, purpose: "kernel benchmark", index: 0)
        for i in 0..<a.count { a.pointer[i] = Float(random.nextDouble() - 0.5) }
        for i in 0..<b.count { b.pointer[i] = Float(random.nextDouble() - 0.5) }
        let reused = ReusedMatrix(rows: k, cols: n)
        reused.use(b.pointer)
        let gflops = bestRate(flops: shape.flops) {
            if shape.reused {
                reused.multiply(m, a.pointer, into: c.pointer, accumulate: shape.accumulate)
            } else if shape.transposedA {
                Gemm.tn(m, n, k, a.pointer, b.pointer, c.pointer, accumulate: shape.accumulate)
            } else {
                Gemm.nn(m, n, k, a.pointer, b.pointer, c.pointer, accumulate: shape.accumulate)
            }
        }
        return KernelRate(shape: shape, gflops: gflops)
    }
}
