// SPDX-License-Identifier: Apache-2.0
import Glibc
import Synchronization

/// One value handed from one thread to another that waits for it: the
/// watcher thread's answer to a caller blocked in `ProcessWatcher.onThread`.
/// The value sits behind a Mutex; the wait is a POSIX semaphore, made for
/// exactly this (the pointer to it is what needs @unchecked: it is only
/// posted and waited on, and freed when neither can happen any more).
final class Handoff<Value: Sendable>: @unchecked Sendable {
    private let value = Mutex<Value?>(nil)
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(semaphore, 0, 0) }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Gives the value; the waiting thread goes on.
    func give(_ v: Value) {
        value.withLock { $0 = v }
        sem_post(semaphore)
    }

    /// Blocks until the value is given, and returns it.
    func take() -> Value {
        while true {
            _ = nothingOrErrno { sem_wait(semaphore) }  // EINTR is retried there
            if let v = value.withLock({ $0 }) { return v }
        }
    }
}
