// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// podman mode's effects on the real system: typed as the core's calls are
/// (Core/Syscalls.swift), a value or the Errno it failed with.
extension LiveSystemCalls: PodmanSystemCalls {
    package var euid: UInt32 { geteuid() }
    package func variable(_ name: String) -> ByteString? { getenv(name).map { ByteString(cString: $0) } }
    package func setVariable(_ name: String, _ value: ByteString) {
        _ = value.withCString { setenv(name, $0, 1) }
    }
    package func environmentList() -> [ByteString] { Spawner.callerEnvironment() }

    package func currentDirectory() -> ByteString? {
        guard let dir = getcwd(nil, 0) else { return nil }
        defer { free(dir) }
        return ByteString(cString: dir)
    }

    /// glibc's own two signals are never among them.
    package func blockedSignals() -> Set<Int32> {
        var mask = sigset_t()
        guard sigprocmask(SIG_BLOCK, nil, &mask) == 0 else { return [] }
        return Set((1...64).filter { $0 != 32 && $0 != 33 && sigismember(&mask, $0) == 1 })
    }

    package func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    package func timestamp() -> ByteString {
        var t = time(nil)
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &tm)
        let text = ByteString(buffer[..<n].map { UInt8(bitPattern: $0) })
        let offset = tm.tm_gmtoff
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60
        let (hh, mm) = (minutes / 60, minutes % 60)
        return text + (offset < 0 ? "-" : "+") + (hh < 10 ? "0" : "") + "\(hh):" + (mm < 10 ? "0" : "") + "\(mm)"
    }

    package func stat(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        Sys.stat(path, followLinks: followLinks).map { FileFacts(uid: $0.st_uid, mode: UInt32($0.st_mode)) }
    }

    package func readLink(_ path: ByteString) -> Result<ByteString, Errno> { Sys.readlink(path) }

    package func isExecutableFile(_ path: ByteString) -> Bool {
        guard case .success(let f) = stat(path, followLinks: true) else { return false }
        return !f.isDirectory && f.mode & 0o111 != 0
    }

    package func fileCapability(_ path: ByteString) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: 24)
        let n = path.withCString { p in data.withUnsafeMutableBytes { cu_file_capability(p, $0.baseAddress!, 24) } }
        return n > 0 ? Array(data.prefix(n)) : []
    }

    package func mkdir(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.mkdir($0, mode) } }
    }

    package func chmod(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.chmod($0, mode) } }
    }

    package func unlink(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { Glibc.unlink($0) } }
    }

    package func create(_ path: ByteString, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno> {
        valueOrErrno { path.withCString { Glibc.open($0, flags | O_CREAT | O_CLOEXEC, mode) } }
    }

    package func makeTemporaryFile(_ prefix: ByteString) -> Result<(fd: Int32, path: ByteString), Errno> {
        var template = (prefix + "XXXXXX").bytes.map { CChar(bitPattern: $0) } + [0]
        return valueOrErrno { mkstemp(&template) }.map { fd in
            (fd, ByteString(template.dropLast().map { UInt8(bitPattern: $0) }))
        }
    }

    package func renameNoReplace(_ from: ByteString, _ to: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { from.withCString { f in to.withCString { cu_rename_noreplace(f, $0) } } }
    }

    package func lock(_ fd: Int32) -> Result<Void, Errno> { nothingOrErrno { cu_lock_file(fd) } }
    package func read(_ fd: Int32, upTo count: Int) -> Result<[UInt8], Errno> { Sys.readAll(fd, limit: count) }
    package func rewind(_ fd: Int32) { lseek(fd, 0, SEEK_SET) }

    package func readable(_ fd: Int32, milliseconds: Int32) -> Result<Bool, Errno> {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return valueOrErrno { Glibc.poll(&p, 1, milliseconds) }.map { $0 > 0 }
    }

    package func pipe() -> Result<(read: Int32, write: Int32), Errno> { Sys.pipe() }
    package func setns(_ fd: Int32, _ type: Int32) -> Result<Void, Errno> { Sys.setns(fd, type) }
    package func isNamespace(_ fd: Int32) -> Bool { cu_is_namespace_fd(fd) == 1 }
    package func becomeRoot() -> Result<Void, Errno> { nothingOrErrno { cu_become_root() } }

    package func bindNewNetns(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { cu_bind_new_netns($0) } }
    }

    package func spawn(_ command: UnshareCommand) -> Result<UnsharedProcess, SpawnError> {
        Result { () throws(SpawnError) in try command.spawn() }
    }

    package func send(_ signal: Int32, to process: UnsharedProcess) { try? process.send(signal: signal) }

    package func wait(for process: UnsharedProcess) -> Result<ProcessEnding, Errno> {
        Result { () throws(Errno) in try process.waitBlocking() }
    }

    package func waitWithoutReaping(_ process: UnsharedProcess) {
        _ = cu_spawn_wait_nowait(process.pidfd, process.pid)
    }

    package func runCaptured(_ path: ByteString, _ argv: [ByteString], environment: [ByteString], devnull: Int32)
        -> Result<CapturedRun, Errno>
    {
        let arena = CArena(.process)
        var buffer = [CChar](repeating: 0, count: 16384)
        var captured = cu_captured()
        return nothingOrErrno(retryOnInterrupt: false) {
            cu_run_captured(
                arena.string(path), arena.array(argv), arena.array(environment), devnull, &buffer, buffer.count,
                &captured)
        }.map {
            CapturedRun(
                execError: captured.exec_err, status: captured.status,
                output: buffer.prefix(Int(captured.length)).map { UInt8(bitPattern: $0) })
        }
    }

    package func spawnDetached(_ program: DetachedProgram) -> Result<Int32, Errno> {
        let arena = CArena(.process)
        var d = cu_detached(
            path: arena.string(program.path), argv: arena.array(program.argv), envp: arena.array(program.environment),
            log_fd: program.logFD, sync_fd: program.syncFD, devnull: program.devnull,
            new_mount_ns: program.newMountNamespace ? 1 : 0)
        return valueOrErrno(retryOnInterrupt: false) { cu_spawn_detached(&d) }
    }

    package func pollChild(_ pid: Int32) -> Result<Int32?, Errno> {
        var status: Int32 = 0
        return valueOrErrno { waitpid(pid, &status, WNOHANG) }.map { $0 == pid ? status : nil }
    }
}
