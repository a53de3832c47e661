// SPDX-License-Identifier: Apache-2.0
import Glibc

/// A bbolt database file open for reading, whose bytes BoltDB asks for a few
/// at a time: the two meta pages and the pages on the way to one bucket, as
/// bbolt's own reader touches them through its mapping. libpod's database
/// grows with every container a user has, and podman mode reads four of its
/// pages at most, whatever its size (docs/podman-unshare.md, step 7).
///
/// Open, it holds the descriptor (with the shared flock(2) bbolt's readers
/// take) and closes it when released; the tests' files are plain bytes.
package final class DatabaseFile {
    /// The file's size when it was opened: no page past it is read.
    package let size: Int
    /// How many bytes have been read (for the tests: a lookup reads its pages, not the file).
    package private(set) var bytesRead = 0
    private let fd: Int32
    private let bytes: [UInt8]

    /// The file open at `fd`, of `size` bytes; closed with this object.
    init(fd: Int32, size: Int) {
        self.fd = fd
        self.size = size
        self.bytes = []
    }

    /// A database held in memory.
    package init(bytes: [UInt8]) {
        self.fd = -1
        self.size = bytes.count
        self.bytes = bytes
    }

    deinit { if fd >= 0 { Sys.close(fd) } }

    /// Up to `count` bytes from `offset` (fewer where the file ends; both
    /// within the size): pread(2) until they are read or the file ends.
    func read(at offset: Int, count wanted: Int) -> Result<[UInt8], Errno> {
        let count = max(0, min(wanted, size - offset))
        bytesRead += count
        if fd < 0 { return .success(Array(bytes[offset..<(offset + count)])) }
        var failure: Errno?
        let data = [UInt8](unsafeUninitializedCapacity: count) { buffer, done in
            done = 0
            while done < count {
                switch valueOrErrno({ pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done)) }) {
                case .failure(let e):
                    failure = e
                    return
                case .success(0): return
                case .success(let n): done += n
                }
            }
        }
        if let failure { return .failure(failure) }
        return .success(data)
    }
}
