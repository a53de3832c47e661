// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// The system calls podman mode makes beyond the core's (Core/Syscalls.swift),
/// typed the same way: a value or the Errno it failed with.
extension Sys {
    static func mkdir(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.mkdir($0, mode) } }
    }

    static func chmod(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.chmod($0, mode) } }
    }

    static func unlink(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.unlink($0) } }
    }

    static func create(_ path: ByteString, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno> {
        valueOrErrno { path.withCString { Glibc.open($0, flags | O_CREAT | O_CLOEXEC, mode) } }
    }

    static func readlink(_ path: ByteString) -> Result<ByteString, Errno> {
        var buffer = [CChar](repeating: 0, count: 4096)
        return valueOrErrno { path.withCString { Glibc.readlink($0, &buffer, buffer.count) } }
            .map { ByteString(buffer[..<$0].map { UInt8(bitPattern: $0) }) }
    }

    /// A POSIX write lock on the whole file, waited for.
    static func lock(_ fd: Int32) -> Result<Void, Errno> { nothingOrErrno { cu_lock_file(fd) } }

    /// setresgid(0,0,0) then setresuid(0,0,0).
    static func becomeRoot() -> Result<Void, Errno> { nothingOrErrno { cu_become_root() } }

    static func bindNewNetns(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { cu_bind_new_netns($0) } }
    }

    static func spawnDetached(_ d: inout cu_detached) -> Result<pid_t, Errno> {
        valueOrErrno(retryOnInterrupt: false) { cu_spawn_detached(&d) }
    }

    static func runCaptured(
        _ path: ByteString, _ argv: [ByteString], envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
        devnull: Int32
    ) -> Result<(cu_captured, [UInt8]), Errno> {
        var buffer = [CChar](repeating: 0, count: 16384)
        var captured = cu_captured()
        let arena = CArena(.process)
        return nothingOrErrno(retryOnInterrupt: false) {
            cu_run_captured(arena.string(path), arena.array(argv), envp, devnull, &buffer, buffer.count, &captured)
        }.map { (captured, buffer.prefix(Int(captured.length)).map { UInt8(bitPattern: $0) }) }
    }

    /// waitpid(WNOHANG): the end of the child, or nil while it runs.
    static func poll(child: pid_t) -> Result<Int32?, Errno> {
        var status: Int32 = 0
        return valueOrErrno { waitpid(child, &status, WNOHANG) }.map { $0 == child ? status : nil }
    }

    /// poll(2) for input on one descriptor: true when readable within `milliseconds`.
    static func readable(_ fd: Int32, milliseconds: Int32) -> Result<Bool, Errno> {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return valueOrErrno { Glibc.poll(&p, 1, milliseconds) }.map { $0 > 0 }
    }

    static func fileCapability(_ path: ByteString) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: 24)
        let n = path.withCString { p in data.withUnsafeMutableBytes { cu_file_capability(p, $0.baseAddress!, 24) } }
        return n > 0 ? Array(data.prefix(n)) : []
    }

    /// The signals (1 to 64) the calling thread has blocked; glibc's own two are never among them.
    static func blockedSignals() -> Set<Int32> {
        var mask = sigset_t()
        guard sigprocmask(SIG_BLOCK, nil, &mask) == 0 else { return [] }
        return Set((1...64).filter { $0 != 32 && $0 != 33 && sigismember(&mask, $0) == 1 })
    }

    static func getcwd() -> ByteString? {
        guard let dir = Glibc.getcwd(nil, 0) else { return nil }
        defer { free(dir) }
        return ByteString(cString: dir)
    }
}
