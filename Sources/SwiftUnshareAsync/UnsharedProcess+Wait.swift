// SPDX-License-Identifier: Apache-2.0
import SwiftUnshare

/// `async` waiting lives in a module of its own: the CLI links SwiftUnshare
/// statically, and any `async` code there would bring Swift's concurrency
/// runtime and libdispatch's start-up into every run of swift-unshare
/// (BENCHMARKS.md). Programs that spawn import this module too.
extension UnsharedProcess {
    /// Suspends until the program ends, without holding a thread of the
    /// cooperative pool: the library's waiter thread polls the pidfd, reaps
    /// the program and resumes this task. Needs pidfds (Linux 5.3); not
    /// cancellable (send a signal to end the program instead). Returns the
    /// same ending when called again. Throws the `Errno` of waitid(2), or
    /// ENOSYS without pidfds. unshare(1) waits so with `--fork`.
    public func wait() async throws(Errno) -> ProcessEnding {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<ProcessEnding, Errno>, Never>) in
            onEnd { c.resume(returning: $0) }
        }
        return try result.get()
    }
}
