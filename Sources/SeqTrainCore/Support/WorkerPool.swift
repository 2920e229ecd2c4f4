import CKernels
import Foundation

/// A fixed set of threads that run numbered tasks: with T threads, thread t runs tasks t, t+T, …
/// The caller's thread is thread 0, so one thread means no threads are started at all. Which thread
/// runs a task never changes what the task computes; the pool only decides how fast it is done.
/// Hand-offs spin briefly before sleeping, since training hands work over every fraction of a millisecond.
public final class WorkerPool {
    /// What the caller and the workers share; the workers keep it alive after the pool is gone.
    private final class Shared {
        var body: ((Int) -> Void)?
        var taskCount = 0
        var activeThreads = 1
        let sync = st_sync_create()!

        deinit { st_sync_destroy(sync) }

        /// Runs the tasks of one thread: t, t + activeThreads, …
        func runShare(of thread: Int) {
            var task = thread
            while task < taskCount {
                body!(task)
                task += activeThreads
            }
        }
    }

    /// Threads that run tasks, the caller's included.
    public let threadCount: Int
    private let shared = Shared()

    /// A pool of `threads` threads (at least 1).
    public init(threads: Int) {
        threadCount = max(1, threads)
        let shared = self.shared
        for worker in 1..<max(threadCount, 1) {
            let thread = Thread {
                var seen = 0
                while true {
                    seen = st_sync_wait_start(shared.sync, seen)
                    if st_sync_stopping(shared.sync) != 0 { return }
                    if worker < shared.activeThreads {
                        shared.runShare(of: worker)
                        st_sync_finish(shared.sync)
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { st_sync_stop(shared.sync) }

    /// Runs `body(0..<count)` across the threads and returns when every task is done.
    public func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        guard threadCount > 1, count > 1 else {
            for task in 0..<count { body(task) }
            return
        }
        shared.body = body
        shared.taskCount = count
        shared.activeThreads = min(threadCount, count)
        st_sync_start(shared.sync, Int32(shared.activeThreads - 1))
        shared.runShare(of: 0)
        st_sync_wait_finish(shared.sync)
        shared.body = nil
    }

    /// Runs `body` on contiguous slices of `0..<count`, one per thread, and returns when all are done.
    /// Slices start at multiples of `alignment` elements (16 floats: a cache line of a 64-byte aligned
    /// buffer, so two threads never write the same line); with one thread, `body(0..<count)` runs here.
    public func runSlices(of count: Int, alignment: Int = 16, _ body: @escaping (Range<Int>) -> Void) {
        guard threadCount > 1, count > alignment else { return body(0..<count) }
        let size = ((count + threadCount - 1) / threadCount + alignment - 1) / alignment * alignment  // the last may be shorter
        run((count + size - 1) / size) { slice in body(slice * size..<min(count, (slice + 1) * size)) }
    }

    /// The cores this process may use.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
