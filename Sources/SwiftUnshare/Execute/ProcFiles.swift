// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Writing one small file in one go (/proc/self/uid_map, setgroups,
/// timens_offsets, binfmt_misc/register): which of open or write failed.
package enum FileWriteError: Error, Equatable, Sendable {
    case open(Errno)
    case write(Errno)
}

package enum ProcFiles {
    /// Opens `path` (or `name` under `dirfd`), writes `text`, closes. With
    /// `ignoreMissing`, a file that does not exist (ENOENT) is no error.
    package static func write(
        _ path: ByteString, _ text: ByteString, ignoreMissing: Bool = false,
        in dirfd: Int32? = nil, _ sys: some SystemCalls
    ) -> Result<Void, FileWriteError> {
        let opened = dirfd.map { sys.openAt($0, path, O_WRONLY | O_CLOEXEC) } ?? sys.open(path, O_WRONLY | O_CLOEXEC)
        let fd: Int32
        switch opened {
        case .failure(let e):
            if ignoreMissing && e.rawValue == ENOENT { return .success(()) }
            return .failure(.open(e))
        case .success(let value): fd = value
        }
        defer { sys.close(fd) }
        return sys.writeAll(fd, text.bytes).mapError { .write($0) }
    }
}
