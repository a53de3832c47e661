// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// A file's owner and st_mode, as stat(2) or lstat(2) gives them.
package struct FileFacts: Equatable, Sendable {
    package var uid: UInt32
    package var mode: UInt32

    package var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
    package var isSymlink: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFLNK) }
    /// The permission bits (Go's FileMode.Perm()).
    package var permissions: UInt32 { mode & 0o777 }
}

/// What podman mode's planning may read from the system besides
/// SystemContext, to choose podman's directories as podman does
/// (docs/podman-unshare.md, "Where the contract is silent"): file facts,
/// symbolic links, whether a directory may take new entries, and libpod's
/// database. Nothing here changes the system.
package protocol PodmanSystemContext: SystemContext {
    /// stat(2) of `path` (lstat(2) when `followLinks` is false).
    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno>
    /// readlink(2).
    func readLink(_ path: ByteString) -> Result<ByteString, Errno>
    /// access(2) for W_OK and X_OK: this process may make an entry in the directory.
    func mayCreateIn(_ directory: ByteString) -> Bool
    /// A bbolt database open for reading, under a shared flock(2), as bbolt's
    /// readers take it: BoltDB reads the pages it walks.
    func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno>
}

extension LiveSystem: PodmanSystemContext {
    package func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        Sys.stat(path, followLinks: followLinks).map { FileFacts(uid: $0.st_uid, mode: UInt32($0.st_mode)) }
    }

    package func readLink(_ path: ByteString) -> Result<ByteString, Errno> { Sys.readlink(path) }

    package func mayCreateIn(_ directory: ByteString) -> Bool {
        directory.withCString { access($0, W_OK | X_OK) } == 0
    }

    package func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> {
        Sys.open(path, O_RDONLY | O_CLOEXEC).flatMap { fd in
            var st = Glibc.stat()
            let opened = nothingOrErrno { cu_flock_shared(fd) }.flatMap { nothingOrErrno { fstat(fd, &st) } }
            if case .failure(let e) = opened {
                Sys.close(fd)
                return .failure(e)
            }
            return .success(DatabaseFile(fd: fd, size: Int(st.st_size)))
        }
    }
}
