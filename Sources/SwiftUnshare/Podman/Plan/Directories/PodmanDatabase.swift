// SPDX-License-Identifier: Apache-2.0
import Glibc

/// libpod's database, `<static dir>/bolt_state.db` (docs/podman-unshare.md,
/// step 7), read through the context and BoltDB.
extension PodmanDirectories {
    /// What the database at `path` records of the directories (nil: no
    /// database, or no runtime-config bucket); a file there that cannot be
    /// read is podman's error. Each value is nil when unrecorded or empty.
    static func recorded(_ path: ByteString, context: PodmanSystemContext) -> Result<RecordedDirectories?, Failure> {
        let directory = GoText.cleanPath(path + "/..")
        guard case .success(let d) = context.fileFacts(directory, followLinks: true), d.isDirectory else {
            return .success(nil)  // podman makes the directory (and the database) itself
        }
        let file: DatabaseFile
        switch context.openDatabase(path) {
        case .failure(let e) where e.rawValue == ENOENT: return .success(nil)
        case .failure(let e): return .failure(unreadable(path, e))
        case .success(let f): file = f
        }
        if file.size == 0 { return .success(nil) }  // bbolt makes a new database in an empty file
        let keys = ["static-dir", "tmp-dir", "run-root", "graph-root"].map { Array($0.utf8) }
        switch BoltDB.values(of: keys, inBucket: Array("runtime-config".utf8), in: file) {
        case .failure(.unreadable(let e)): return .failure(unreadable(path, e))
        case .failure(.invalid): return .failure(Failure.podman("opening database \(path): invalid database"))
        case .success(nil): return .success(nil)
        case .success(let v?):
            let value = { (i: Int) -> ByteString? in v[i].isEmpty ? nil : ByteString(v[i]) }
            return .success(
                RecordedDirectories(staticDir: value(0), tmpDir: value(1), runroot: value(2), graphroot: value(3)))
        }
    }

    /// Podman's words for a database it cannot open or read.
    private static func unreadable(_ path: ByteString, _ e: Errno) -> Failure {
        Failure.podman("opening database \(path): open \(path): \(GoText.errnoText(e.rawValue))")
    }
}

/// The directories libpod's database recorded of the run that made it.
struct RecordedDirectories {
    var staticDir: ByteString?
    var tmpDir: ByteString?
    var runroot: ByteString?
    var graphroot: ByteString?
}
