// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Small file effects of podman mode's parent, on the core's typed calls.
enum PodmanIO {
    /// Writes all of `text` to `fd`.
    @discardableResult
    static func write(_ fd: Int32, _ text: ByteString) -> Result<Void, Errno> {
        Sys.writeAll(fd, text.bytes)
    }

    /// Writes a whole file that exists (/proc files): opened for writing, not created.
    static func writeFile(_ path: ByteString, _ text: ByteString) -> Result<Void, Errno> {
        Sys.open(path, O_WRONLY | O_CLOEXEC).flatMap { fd in
            defer { Sys.close(fd) }
            return Sys.writeAll(fd, text.bytes)
        }
    }

    /// os.WriteFile: created or truncated, then written.
    static func createFile(_ path: ByteString, _ text: ByteString, mode: mode_t) -> Result<Void, Errno> {
        Sys.create(path, O_WRONLY | O_TRUNC, mode).flatMap { fd in
            defer { Sys.close(fd) }
            return Sys.writeAll(fd, text.bytes)
        }
    }

    /// os.MkdirAll: every missing directory of `path` with `mode`.
    static func mkdirAll(_ path: ByteString, mode: mode_t) -> Result<Void, Errno> {
        mkdirAllNaming(path, mode: mode).mapError { $0.errno }
    }

    /// A directory os.MkdirAll could not make (or the file in its way), with why.
    struct MkdirFailure: Error {
        var path: ByteString
        var errno: Errno
        var text: ByteString { "mkdir \(path): \(GoText.errnoText(errno.rawValue))" }
    }

    /// os.MkdirAll, its error naming the directory that failed, as Go's does.
    static func mkdirAllNaming(_ path: ByteString, mode: mode_t) -> Result<Void, MkdirFailure> {
        if case .success(let st) = Sys.stat(path) {
            return st.st_mode & S_IFMT == S_IFDIR
                ? .success(()) : .failure(MkdirFailure(path: path, errno: Errno(ENOTDIR)))
        }
        let parent = GoText.cleanPath(path + "/..")
        if parent != path && parent != "/" && parent != "." {
            if case .failure(let e) = mkdirAllNaming(parent, mode: mode) { return .failure(e) }
        }
        switch Sys.mkdir(path, mode) {
        case .failure(let e):
            if case .success(let st) = Sys.stat(path, followLinks: false), st.st_mode & S_IFMT == S_IFDIR {
                return .success(())
            }
            return .failure(MkdirFailure(path: path, errno: e))
        case .success: return .success(())
        }
    }

    /// Reads up to `count` bytes (fewer at end of file).
    static func read(_ fd: Int32, count: Int) -> [UInt8] {
        (try? Sys.readAll(fd, limit: count).get()) ?? []
    }

    /// containers/storage's IsSetID: the mode bit, else the capability in the
    /// file's effective capability set (security.capability).
    static func isSetID(_ path: ByteString, mode: UInt32, capability: Int32) -> Result<Bool, Errno> {
        Sys.stat(path).map { st in
            if UInt32(st.st_mode) & mode == mode { return true }
            let data = Sys.fileCapability(path)
            guard data.count >= 12 else { return false }
            func le32(_ at: Int) -> UInt32 {
                UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
            }
            let effective = le32(0) & 1 != 0
            return effective && (le32(4) | le32(8)) & (1 << UInt32(capability)) != 0
        }
    }
}

extension ByteString {
    /// The items with `separator` between them.
    static func join(_ items: [ByteString], _ separator: ByteString) -> ByteString {
        var out: [UInt8] = []
        for (i, item) in items.enumerated() {
            if i > 0 { out += separator.bytes }
            out += item.bytes
        }
        return ByteString(out)
    }
}
