// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc
import Synchronization

/// The library's one background thread, started the first time it is needed
/// (the CLI never needs it): it polls the pidfds of programs someone awaits,
/// reaps each that ends and resumes its task; it drives the pipes of every
/// `run() async` (RunCollector) in the same poll; and it runs the clones that ask
/// for kill on parent death, since that signal follows the cloning thread and
/// this thread lives as long as the process. All its signals stay blocked.
package final class ProcessWatcher: Sendable {
    package static let shared = ProcessWatcher()

    /// Called once, on this thread, with the ending (no Swift concurrency here:
    /// the CLI links this module, and SwiftUnshareAsync wraps it in `async`).
    typealias Waiter = @Sendable (Result<ProcessEnding, Errno>) -> Void

    private struct State {
        var started = false
        var waiters: [Int32: (process: UnsharedProcess, continuations: [Waiter])] = [:]
        var jobs: [@Sendable () -> Void] = []
        var runs: [(collector: RunCollector, done: @Sendable (Result<CollectedResult, RunError>) -> Void)] = []
    }

    private let state = Mutex(State())
    /// Wakes the thread: its read end is non-blocking and drained on every turn.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() {
        var fds: [Int32] = [-1, -1]
        precondition(cu_spawn_pipe(&fds, 1) == 0, "SwiftUnshare: cannot create the waiter's pipe")
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Calls `waiter` with the ending of `process` (recorded in it first).
    func watch(_ process: UnsharedProcess, _ waiter: @escaping Waiter) {
        state.withLock { s in
            s.waiters[process.pidfd, default: (process, [])].continuations.append(waiter)
            startIfNeeded(&s)
        }
        wake()
    }

    /// Drives `collector` on this thread to its end, then calls `done` with
    /// its result (on this thread).
    package func drive(
        _ collector: RunCollector, _ done: @escaping @Sendable (Result<CollectedResult, RunError>) -> Void
    ) {
        state.withLock { s in
            s.runs.append((collector, done))
            startIfNeeded(&s)
        }
        wake()
    }

    /// Runs `body` on the watcher thread and returns its result.
    func onThread(_ body: @escaping @Sendable () -> Bool) -> Bool {
        let answer = Handoff<Bool>()
        state.withLock { s in
            s.jobs.append { answer.give(body()) }
            startIfNeeded(&s)
        }
        wake()
        return answer.take()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe already means "awake"
    }

    private func startIfNeeded(_ s: inout State) {
        if s.started { return }
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { _ in
                ProcessWatcher.shared.loop()
            }, nil)
        precondition(rc == 0, "SwiftUnshare: cannot start the waiter thread")
        pthread_detach(thread)
        s.started = true
    }

    private func loop() -> Never {
        _ = cu_spawn_block_signals()
        while true {
            let (jobs, watched, runs) = state.withLock { s in
                let jobs = s.jobs
                s.jobs = []
                return (jobs, Array(s.waiters.keys), s.runs.map(\.collector))
            }
            for job in jobs { job() }
            var fds =
                [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                + watched.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var spans: [Range<Int>] = []
            for run in runs {
                let set = run.pollSet()
                spans.append(fds.count..<fds.count + set.count)
                fds += set
            }
            if poll(&fds, nfds_t(fds.count), -1) < 0 { continue }  // EINTR cannot come (all blocked)
            var byte = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &byte, byte.count) > 0 {}
            for p in fds[1..<1 + watched.count] where p.revents != 0 { reap(p.fd) }
            for (run, span) in zip(runs, spans) {
                if span.isEmpty { run.settle() } else { run.handle(fds[span]) }
                if run.isFinished { finish(run) }
            }
        }
    }

    /// A run has ended: out of the list, and its task resumed.
    private func finish(_ run: RunCollector) {
        let done = state.withLock { s -> (@Sendable (Result<CollectedResult, RunError>) -> Void)? in
            guard let i = s.runs.firstIndex(where: { $0.collector === run }) else { return nil }
            return s.runs.remove(at: i).done
        }
        done?(run.result())
    }

    /// The pidfd is readable: reap without blocking and resume the waiters,
    /// once this thread holds no reference to the process (its pidfd closes
    /// with the caller's last reference, not with ours).
    private func reap(_ pidfd: Int32) {
        guard let (waiters, result) = collect(pidfd) else { return }
        for waiter in waiters { waiter(result) }
    }

    private func collect(_ pidfd: Int32) -> ([Waiter], Result<ProcessEnding, Errno>)? {
        guard let process = state.withLock({ $0.waiters[pidfd]?.process }) else { return nil }
        var exited: Int32 = 0
        var value: Int32 = 0
        let result: Result<ProcessEnding, Errno>
        switch valueOrErrno({ cu_spawn_wait(pidfd, process.pid, 1, &exited, &value, nil) }) {
        case .success(0): return nil  // not yet: poll again
        case .success: result = .success(process.record(exited != 0 ? .exited(value) : .signaled(value)))
        case .failure(let e): result = .failure(e)
        }
        let waiters = state.withLock { $0.waiters.removeValue(forKey: pidfd)?.continuations } ?? []
        return (waiters, result)
    }
}
