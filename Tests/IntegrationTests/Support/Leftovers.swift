// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Synchronization

/// Folders that outlive a single test (the binary's copy, fixtures shared by
/// many cases): removed, whatever they hold, when the test process exits; and
/// those of earlier test processes that died before their exit.
enum Leftovers {
    private static let paths = Mutex<[String]>([])

    static func removeAtExit(_ path: String) {
        paths.withLock { paths in
            if paths.isEmpty { atexit { Leftovers.removeAll() } }
            paths.append(path)
        }
    }

    /// What an earlier test process left in /tmp because it never reached its
    /// exit (killed, or crashed): the names carry that process's pid, and
    /// whatever belongs to a pid no longer running is removed. A process still
    /// running (another test run) keeps its folders.
    static func removeStale() {
        let prefixes = [
            "swift-unshare-tests-", "swift-unshare-scratch-", "swift-unshare-out-",
            "swift-unshare-podman-bg-", "swift-unshare-release-tests-", "_tmp_swift-unshare-scratch-",
        ]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
                let pid = pid_t(name.dropFirst(prefix.count).prefix(while: \.isNumber)), pid > 0, pid != getpid()
            else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
        }
    }

    private static func removeAll() {
        for path in paths.withLock({ $0 }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
