// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Typed system calls: each returns its value or the Errno it failed with
/// (read at once, EINTR retried where a retry is right). Nothing else in the
/// package reads errno.
package enum Sys {
    package static func open(_ path: ByteString, _ flags: Int32) -> Result<Int32, Errno> {
        valueOrErrno { path.withCString { Glibc.open($0, flags) } }
    }

    package static func openAt(_ dirfd: Int32, _ name: ByteString, _ flags: Int32) -> Result<Int32, Errno> {
        valueOrErrno { name.withCString { Glibc.openat(dirfd, $0, flags) } }
    }

    /// stat(2), or lstat(2) when `followLinks` is false.
    static func stat(_ path: ByteString, followLinks: Bool = true) -> Result<Glibc.stat, Errno> {
        var st = Glibc.stat()
        return nothingOrErrno {
            path.withCString { p -> Int32 in fstatat(AT_FDCWD, p, &st, followLinks ? 0 : AT_SYMLINK_NOFOLLOW) }
        }.map { st }
    }

    /// readlink(2).
    static func readlink(_ path: ByteString) -> Result<ByteString, Errno> {
        var buffer = [CChar](repeating: 0, count: 4096)
        return valueOrErrno { path.withCString { Glibc.readlink($0, &buffer, buffer.count) } }
            .map { ByteString(buffer[..<$0].map { UInt8(bitPattern: $0) }) }
    }

    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)  // never retried: the fd is gone either way
    }

    /// write(2) until every byte is written.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno> {
        var offset = 0
        while offset < bytes.count {
            let written = valueOrErrno { bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            switch written {
            case .failure(let e): return .failure(e)
            case .success(let n): offset += n
            }
        }
        return .success(())
    }

    /// read(2) until end of file, or until `limit` bytes are read: the one
    /// read-to-the-end of the package (files, the helpers' output pipes, the
    /// sync pipe of slirp4netns).
    package static func readAll(_ fd: Int32, limit: Int = Int.max) -> Result<[UInt8], Errno> {
        // Read straight into the array's own storage, which doubles when
        // full (left uninitialised until read into, and copied with memcpy
        // when it grows). Files here are a page or two; libpod's database,
        // which can be large, is read page by page (DatabaseFile).
        var data: [UInt8] = []
        var capacity = min(4096, limit)
        while true {
            var failure: Errno?
            var ended = false
            let previous = data
            data = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                let base = buffer.baseAddress!
                previous.withUnsafeBufferPointer { old in
                    if let start = old.baseAddress { base.initialize(from: start, count: old.count) }
                }
                count = previous.count
                while count < capacity {
                    switch valueOrErrno({ Glibc.read(fd, base + count, capacity - count) }) {
                    case .failure(let e):
                        failure = e
                        return
                    case .success(0):
                        ended = true
                        return
                    case .success(let n):
                        count += n
                    }
                }
            }
            if let failure { return .failure(failure) }
            if ended || data.count >= limit { return .success(data) }
            capacity = min(capacity * 2, limit)
        }
    }

    /// A whole file's bytes.
    package static func readFile(_ path: ByteString) -> Result<[UInt8], Errno> {
        open(path, O_RDONLY | O_CLOEXEC).flatMap { fd in
            defer { close(fd) }
            return readAll(fd)
        }
    }

    /// pipe2(O_CLOEXEC).
    package static func pipe() -> Result<(read: Int32, write: Int32), Errno> {
        var fds: [Int32] = [-1, -1]
        return nothingOrErrno { fds.withUnsafeMutableBufferPointer { cu_pipe_cloexec($0.baseAddress!) } }
            .map { (fds[0], fds[1]) }
    }

    package static func fork() -> Result<pid_t, Errno> { valueOrErrno(retryOnInterrupt: false) { Glibc.fork() } }

    /// waitpid(2) for one child, EINTR retried: its wait status.
    static func waitStatus(_ pid: pid_t) -> Result<Int32, Errno> {
        var status: Int32 = 0
        return nothingOrErrno { waitpid(pid, &status, 0) }.map { status }
    }

    /// waitpid(2) for one child, EINTR retried: how it ended.
    package static func wait(_ pid: pid_t) -> Result<ProcessEnding, Errno> {
        waitStatus(pid).map(ProcessEnding.init(status:))
    }

    package static func unshare(_ flags: Int32) -> Result<Void, Errno> { nothingOrErrno { cu_unshare(flags) } }
    package static func setns(_ fd: Int32, _ type: Int32) -> Result<Void, Errno> {
        nothingOrErrno { cu_setns(fd, type) }
    }

    package static func mount(
        _ source: ByteString?, _ target: ByteString, _ type: ByteString?,
        _ flags: UInt
    ) -> Result<Void, Errno> {
        nothingOrErrno(retryOnInterrupt: false) {
            withOptionalCString(source) { s in
                target.withCString { t in
                    withOptionalCString(type) { f in cu_mount(s, t, f, flags) }
                }
            }
        }
    }

    package static func setgroupsNone() -> Result<Void, Errno> { nothingOrErrno { cu_setgroups_none() } }
    package static func setgid(_ gid: UInt32) -> Result<Void, Errno> { nothingOrErrno { Glibc.setgid(gid) } }
    package static func setuid(_ uid: UInt32) -> Result<Void, Errno> { nothingOrErrno { Glibc.setuid(uid) } }
    package static func chroot(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.chroot($0) } }
    }
    package static func chdir(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.chdir($0) } }
    }

    package static func pidfdOpen(_ pid: pid_t) -> Result<Int32, Errno> { valueOrErrno { cu_pidfd_open(pid) } }
    /// Whether the process behind a pidfd has ended.
    package static func pidfdEnded(_ fd: Int32) -> Result<Bool, Errno> {
        valueOrErrno { cu_pidfd_ended(fd) }.map { $0 > 0 }
    }
    package static func setParentDeathSignal(_ signal: Int32) -> Result<Void, Errno> {
        nothingOrErrno { cu_set_pdeathsig(signal) }
    }

    package static func defaultSignal(_ signal: Int32) -> Result<Void, Errno> {
        nothingOrErrno { cu_default_signal(signal) }
    }
    package static func blockSignals(_ signals: [Int32]) -> Result<Void, Errno> {
        nothingOrErrno { signals.withUnsafeBufferPointer { cu_block_signals($0.baseAddress!, Int32($0.count)) } }
    }
    /// The one signal-forwarding entry point (CUnshareSys's signals.c gives the contract).
    package static func forwardSignals(_ signals: [Int32]) -> Result<Void, Errno> {
        nothingOrErrno { signals.withUnsafeBufferPointer { cu_forward_signals($0.baseAddress!, Int32($0.count)) } }
    }
    package static func resetForwardedSignals() -> Result<Void, Errno> {
        nothingOrErrno { cu_reset_forwarded_signals() }
    }
    package static func restoreSignalMask() -> Result<Void, Errno> { nothingOrErrno { cu_restore_sigmask() } }
    package static func unblockSignal(_ signal: Int32) -> Result<Void, Errno> {
        nothingOrErrno { cu_unblock_signal(signal) }
    }

    /// execvp(3): returns only on failure.
    package static func execvp(_ argv: [ByteString]) -> Errno {
        let cArgv = CArena(.process).array(argv)
        #if SWIFT_UNSHARE_TRACE_EXIT_AT_EXEC
            traceExec { Glibc.execvp(traceProgram, cArgv) }
        #endif
        return errnoOfFailedExec { Glibc.execvp(cArgv[0]!, cArgv) }
    }

    /// execv(3): returns only on failure.
    package static func execv(_ path: ByteString, _ argv: [ByteString]) -> Errno {
        let arena = CArena(.process)
        let cArgv = arena.array(argv)
        #if SWIFT_UNSHARE_TRACE_EXIT_AT_EXEC
            traceExec { Glibc.execv("/" + traceProgram, cArgv) }
        #endif
        return errnoOfFailedExec { Glibc.execv(arena.string(path), cArgv) }
    }

    #if SWIFT_UNSHARE_TRACE_EXIT_AT_EXEC
        /// In the traced build `make startup-order` makes (and only there), the
        /// exec takes a real run's path up to execve(2) on a program that no
        /// directory holds, and the process ends there, so that valgrind
        /// reports the whole start of a successful run, exec included.
        static let traceProgram = "swift-unshare-startup-order-no-such-program"
        private static func traceExec(_ exec: () -> Int32) -> Never {
            _ = errnoOfFailedExec(exec)
            _exit(0)
        }
    #endif

    private static func withOptionalCString<R>(_ s: ByteString?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }
}
