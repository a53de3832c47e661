// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Small file effects of podman mode's parent, composed of its calls (PodmanSystemCalls).
enum PodmanIO {
    /// Writes all of `text` to `fd`.
    @discardableResult
    static func write(_ fd: Int32, _ text: ByteString, _ sys: some SystemCalls) -> Result<Void, Errno> {
        sys.writeAll(fd, text.bytes)
    }

    /// A whole small file's bytes.
    static func readFile(_ path: ByteString, _ sys: some SystemCalls) -> Result<[UInt8], Errno> {
        sys.open(path, O_RDONLY | O_CLOEXEC).flatMap { fd in
            defer { sys.close(fd) }
            return sys.readAll(fd)
        }
    }

    /// os.WriteFile: created or truncated, then written.
    static func createFile(
        _ path: ByteString, _ text: ByteString, mode: mode_t, _ sys: some PodmanSystemCalls
    ) -> Result<Void, Errno> {
        sys.create(path, O_WRONLY | O_TRUNC, mode).flatMap { fd in
            defer { sys.close(fd) }
            return sys.writeAll(fd, text.bytes)
        }
    }

    /// os.MkdirAll: every missing directory of `path` with `mode`.
    static func mkdirAll(_ path: ByteString, mode: mode_t, _ sys: some PodmanSystemCalls) -> Result<Void, Errno> {
        mkdirAllNaming(path, mode: mode, sys).mapError { $0.errno }
    }

    /// A directory os.MkdirAll could not make (or the file in its way), with why.
    struct MkdirFailure: Error {
        var path: ByteString
        var errno: Errno
        var text: ByteString { "mkdir \(path): \(GoText.errnoText(errno.rawValue))" }
    }

    /// os.MkdirAll, its error naming the directory that failed, as Go's does.
    static func mkdirAllNaming(
        _ path: ByteString, mode: mode_t, _ sys: some PodmanSystemCalls
    ) -> Result<Void, MkdirFailure> {
        if case .success(let f) = sys.stat(path, followLinks: true) {
            return f.isDirectory ? .success(()) : .failure(MkdirFailure(path: path, errno: Errno(ENOTDIR)))
        }
        let parent = GoText.cleanPath(path + "/..")
        if parent != path && parent != "/" && parent != "." {
            if case .failure(let e) = mkdirAllNaming(parent, mode: mode, sys) { return .failure(e) }
        }
        switch sys.mkdir(path, mode) {
        case .failure(let e):
            if case .success(let f) = sys.stat(path, followLinks: false), f.isDirectory { return .success(()) }
            return .failure(MkdirFailure(path: path, errno: e))
        case .success: return .success(())
        }
    }

    /// containers/storage's IsSetID: the mode bit, else the capability in the
    /// file's effective capability set (security.capability).
    static func isSetID(
        _ path: ByteString, mode: UInt32, capability: Int32, _ sys: some PodmanSystemCalls
    ) -> Result<Bool, Errno> {
        sys.stat(path, followLinks: true).map { f in
            if f.mode & mode == mode { return true }
            let data = sys.fileCapability(path)
            guard data.count >= 12 else { return false }
            func le32(_ at: Int) -> UInt32 {
                UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
            }
            let effective = le32(0) & 1 != 0
            return effective && (le32(4) | le32(8)) & (1 << UInt32(capability)) != 0
        }
    }
}
