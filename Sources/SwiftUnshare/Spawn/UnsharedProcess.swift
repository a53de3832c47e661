// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc
import Synchronization

/// A program started by `UnshareCommand.spawn()`: its pid, a pidfd that
/// names it without any pid-reuse race, waiting and signals. Wait for it
/// (once, from one place) or it stays a zombie until the caller exits; the
/// pidfd is closed when this object goes away. unshare(1)'s counterpart is
/// its `--fork` child, which it waits for and signals the same way.
public final class UnsharedProcess: Sendable {
    /// The pid, as the caller sees it (in a new PID namespace the program is 1
    /// inside): `$!` of `unshare ... &` in a shell (unshare(1) has no option).
    public let pid: pid_t
    /// The pidfd (close-on-exec), or -1 on kernels without pidfds. No
    /// unshare(1) option: a library need.
    public let pidfd: Int32
    /// How its id maps were written, as unshare(1) would have written them
    /// for the same options (`MapStrategy`).
    public let strategy: MapStrategy
    private let ending = Mutex<ProcessEnding?>(nil)

    init(pid: pid_t, pidfd: Int32, strategy: MapStrategy) {
        self.pid = pid
        self.pidfd = pidfd
        self.strategy = strategy
    }

    deinit {
        if pidfd >= 0 { close(pidfd) }
    }

    /// Blocks the calling thread until the program ends, and reaps it
    /// (waitid(2) on the pidfd). Returns the same ending when called again.
    /// Throws the `Errno` of waitid(2) (ECHILD when someone else reaped it).
    /// unshare(1) waits so with `--fork`, and ends with `shellStatus`.
    public func waitBlocking() throws(Errno) -> ProcessEnding {
        if let done = ending.withLock({ $0 }) { return done }
        var exited: Int32 = 0
        var value: Int32 = 0
        if case .failure(let e) = valueOrErrno({ cu_spawn_wait(pidfd, pid, 0, &exited, &value, nil) }) {
            if let done = ending.withLock({ $0 }) { return done }
            throw e
        }
        return record(exited != 0 ? .exited(value) : .signaled(value))
    }

    /// Calls `body` once, on the library's waiter thread, when the program
    /// ends (reaped there): the building block of `wait() async` in the
    /// SwiftUnshareAsync module. Needs pidfds (Linux 5.3): without them `body`
    /// gets `.failure(ENOSYS)` at once. No unshare(1) option: a library need.
    public func onEnd(_ body: @escaping @Sendable (Result<ProcessEnding, Errno>) -> Void) {
        if let done = ending.withLock({ $0 }) { return body(.success(done)) }
        guard pidfd >= 0 else { return body(.failure(Errno(ENOSYS))) }
        // Not holding self: the pidfd closes with the caller's last reference.
        ProcessWatcher.shared.watch(self) { [weak self] result in
            if case .failure = result, let done = self?.ending.withLock({ $0 }) { return body(.success(done)) }
            body(result)
        }
    }

    /// Sends `signal` through the pidfd: never to another process that took
    /// the pid. Throws `Errno(ESRCH)` once the program has been reaped, or
    /// pidfd_send_signal(2)'s error. unshare(1) forwards signals so with `--fork`.
    public func send(signal: Int32) throws(Errno) {
        if ending.withLock({ $0 }) != nil { throw Errno(ESRCH) }
        if case .failure(let e) = nothingOrErrno({ cu_spawn_signal(pidfd, pid, signal) }) { throw e }
    }

    /// Keeps the first ending seen (a second waiter gets the same).
    func record(_ e: ProcessEnding) -> ProcessEnding {
        ending.withLock { value in
            if value == nil { value = e }
            return value!
        }
    }
}
