// SPDX-License-Identifier: Apache-2.0
import Glibc

/// libpod's database, `<static dir>/bolt_state.db` (docs/podman-unshare.md,
/// step 7), read through the context and BoltDB.
extension PodmanDirectories {
    /// The values the database at `path` records (nil: no database, or no
    /// runtime-config bucket); a file there that cannot be read is podman's error.
    static func recorded(_ path: ByteString, context: PodmanSystemContext) -> Result<[[UInt8]: [UInt8]]?, Failure> {
        let directory = GoText.cleanPath(path + "/..")
        guard case .success(let d) = context.fileFacts(directory, followLinks: true), d.isDirectory else {
            return .success(nil)  // podman makes the directory (and the database) itself
        }
        let bytes: [UInt8]
        switch context.readDatabase(path) {
        case .failure(let e) where e.rawValue == ENOENT: return .success(nil)
        case .failure(let e):
            return .failure(Failure.podman("opening database \(path): open \(path): \(GoText.errnoText(e.rawValue))"))
        case .success(let b): bytes = b
        }
        if bytes.isEmpty { return .success(nil) }  // bbolt makes a new database in an empty file
        switch BoltDB.bucket(Array("runtime-config".utf8), in: bytes) {
        case .failure: return .failure(Failure.podman("opening database \(path): invalid database"))
        case .success(let values): return .success(values)
        }
    }
}
