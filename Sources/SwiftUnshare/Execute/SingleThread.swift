// SPDX-License-Identifier: Apache-2.0
import Glibc

/// unshare(CLONE_NEWUSER) fails with EINVAL in a threaded process, and the
/// fork children go on in Swift: both need this process to have one thread.
package enum SingleThread {
    /// One stat(2) of /proc/self/task: the kernel counts the task directory's
    /// links as 2 plus the number of threads. Without /proc nothing is known
    /// and nothing is said.
    package static func check() -> Failure? {
        var st = stat()
        guard stat("/proc/self/task", &st) == 0, st.st_nlink >= 2 else { return nil }
        let threads = Int(st.st_nlink) - 2
        if threads <= 1 { return nil }
        return Failure("the process has \(threads) threads; namespaces need a single-threaded process")
    }
}
