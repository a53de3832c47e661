// SPDX-License-Identifier: Apache-2.0
import Glibc

@testable import SwiftUnshare

/// --check's effects, recorded one line each after the executor's and podman
/// mode's (RecordingPodmanCalls), answered from plain values: what each
/// nameless file holds, what a program lookup finds, the orphans left to reap.
final class RecordingCheckCalls: RecordingPodmanCalls, CheckSystemCalls {
    /// What each nameless file holds (by the name it was made with), as read back.
    var anonymous: [String: [UInt8]] = [:]
    /// What probeExecutable answers (nil: found).
    var probeErrno: Errno?
    /// Processes waitAny hands out before it says there are none.
    var orphans: [Int32] = []

    func anonymousFile(_ name: ByteString) -> Result<Int32, Errno> {
        record("memfd \(name)").map { newFD("memfd \(name)") }
    }
    func contents(_ fd: Int32) -> Result<[UInt8], Errno> {
        let name = paths[fd] ?? "fd \(fd)"
        return record("read back \(name)").map { anonymous[name] ?? [] }
    }
    func duplicate(_ fd: Int32, onto target: Int32) -> Result<Void, Errno> {
        record("dup \(paths[fd] ?? "?") onto \(target)")
    }
    func becomeSubreaper() -> Result<Void, Errno> { record("become subreaper") }
    func waitAny() -> (pid: Int32, ending: ProcessEnding)? {
        calls.append("wait any")
        return orphans.isEmpty ? nil : (orphans.removeFirst(), .exited(0))
    }
    func exitNow(_ status: Int32) -> Never { fatalError("a test played the child of a fork to its exit (\(status))") }
    func probeExecutable(_ program: ByteString, search: Bool) -> Errno? {
        calls.append("look up \(program)\(search ? " on PATH" : "")")
        return probeErrno
    }
    func makeTemporaryDirectory(_ prefix: ByteString) -> Result<ByteString, Errno> {
        record("mkdtemp \(prefix)XXXXXX").map { prefix + "abc123" }
    }
    func unmount(_ path: ByteString) -> Result<Void, Errno> { record("umount \(path)") }
    func removeDirectory(_ path: ByteString) -> Result<Void, Errno> { record("rmdir \(path)") }
}
