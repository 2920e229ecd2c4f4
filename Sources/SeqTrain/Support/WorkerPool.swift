import Foundation

/// A fixed set of threads that run numbered tasks: with T threads, thread t runs tasks t, t+T, …
/// The caller's thread is thread 0, so one thread means no threads are started at all. Which thread
/// runs a task never changes what the task computes; the pool only decides how fast it is done.
public final class WorkerPool {
    /// What the caller and the workers share; the workers keep it alive after the pool is gone.
    private final class Shared {
        var body: ((Int) -> Void)?
        var taskCount = 0
        var activeThreads = 1
        var stopping = false
        let wake: [DispatchSemaphore]
        let finished = DispatchSemaphore(value: 0)

        init(workers: Int) { wake = (0..<workers).map { _ in DispatchSemaphore(value: 0) } }

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
    private let shared: Shared

    /// A pool of `threads` threads (at least 1).
    public init(threads: Int) {
        threadCount = max(1, threads)
        let shared = Shared(workers: threadCount - 1)
        self.shared = shared
        for worker in 1..<max(threadCount, 1) {
            let thread = Thread {
                while true {
                    shared.wake[worker - 1].wait()
                    if shared.stopping { return }
                    shared.runShare(of: worker)
                    shared.finished.signal()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        shared.stopping = true
        for semaphore in shared.wake { semaphore.signal() }
    }

    /// Runs `body(0..<count)` across the threads and returns when every task is done.
    public func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        guard threadCount > 1, count > 1 else {
            for task in 0..<count { body(task) }
            return
        }
        shared.body = body
        shared.taskCount = count
        shared.activeThreads = min(threadCount, count)
        for worker in 1..<shared.activeThreads { shared.wake[worker - 1].signal() }
        shared.runShare(of: 0)
        for _ in 1..<shared.activeThreads { shared.finished.wait() }
        shared.body = nil
    }

    /// The cores this process may use.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
