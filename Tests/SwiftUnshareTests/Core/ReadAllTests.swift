// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// Sys.readAll reads to the end of file into a buffer that doubles, and stops at its limit.
@Suite struct ReadAllTests {
    /// The bytes read back from a temporary file holding `bytes`, with `limit`.
    func readBack(_ bytes: [UInt8], limit: Int = Int.max) -> Result<[UInt8], Errno> {
        var template = Array("/tmp/swift-unshare-readall-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0)
        unlink(String(cString: template))
        defer { close(fd) }
        precondition(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        lseek(fd, 0, SEEK_SET)
        return Sys.readAll(fd, limit: limit)
    }

    @Test func everySizeAroundTheBufferSteps() throws {
        for size in [0, 1, 4095, 4096, 4097, 8192, 12289, 32768, 100_000] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            #expect(try readBack(bytes).get() == bytes, "\(size) bytes")
        }
    }

    @Test func theLimitIsWhereReadingStops() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try readBack(bytes, limit: 5000).get() == Array(bytes[..<5000]))
        #expect(try readBack(bytes, limit: 4096).get() == Array(bytes[..<4096]))
        #expect(try readBack(bytes, limit: 0).get() == [])
        #expect(try readBack(bytes, limit: 20_000).get() == bytes)
    }

    @Test func aDescriptorThatCannotBeReadIsItsErrno() {
        #expect(Sys.readAll(-1) == .failure(Errno(EBADF)))
    }
}
