import Foundation
import Glibc
import Synchronization

/// Folders that outlive a single test (the binary's copy, fixtures shared by
/// many cases): removed, whatever they hold, when the test process exits.
enum Leftovers {
    private static let paths = Mutex<[String]>([])

    static func removeAtExit(_ path: String) {
        paths.withLock { paths in
            if paths.isEmpty { atexit { Leftovers.removeAll() } }
            paths.append(path)
        }
    }

    private static func removeAll() {
        for path in paths.withLock({ $0 }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
