// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// podman's pause process (`catatonit -P`, its pid in
/// `<runtime dir>/libpod/tmp/pause.pid`): it holds rootless podman's user and
/// mount namespaces. Joining it puts this process where podman's own calls and
/// the user's rootless containers are. Runs in the parent, before the command
/// is forked; setns(2) of a user namespace needs the single thread it has.
enum PauseProcess {
    /// The namespaces of the process named in `pidFile`, opened: nil when the
    /// file is missing, unreadable, not a pid (Go's Atoi), or names a process
    /// that is gone or not the caller's own.
    static func open(pidFile: ByteString) -> (user: Int32, mnt: Int32)? {
        guard case .success(let text) = Sys.readFile(pidFile),
            let pid = goAtoi(text), pid > 0
        else { return nil }
        // The pidfd pins the process: if it is still alive after the ns files
        // are open, those files are its own, not a recycled pid's.
        guard case .success(let pidfd) = Sys.pidfdOpen(pid) else { return nil }
        defer { Sys.close(pidfd) }
        guard case .success(let st) = Sys.stat("/proc/\(pid)"), st.st_uid == geteuid() else { return nil }
        let user = try? Sys.open("/proc/\(pid)/ns/user", O_RDONLY | O_CLOEXEC).get()
        let mnt = try? Sys.open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC).get()
        guard let user, let mnt, case .success(false) = Sys.pidfdEnded(pidfd) else {
            if let user { Sys.close(user) }
            if let mnt { Sys.close(mnt) }
            return nil
        }
        return (user, mnt)
    }

    /// strconv.Atoi of the whole text: an optional sign, then decimal digits only.
    static func goAtoi(_ text: [UInt8]) -> Int32? {
        var digits = text[...]
        var negative = false
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: Int64 = 0
        for c in digits {
            guard (0x30...0x39).contains(c) else { return nil }
            value = value * 10 + Int64(c - 0x30)
        }
        if negative { value = -value }
        return value <= Int64(Int32.max) && value >= Int64(Int32.min) ? Int32(value) : nil
    }

    /// podman's TryJoinPauseProcess: the pause process's namespaces, or nil
    /// when there is none to join. A stale pid file is locked (a POSIX write
    /// lock, as containers/storage's lockfile takes), looked at once more, and removed.
    static func find(pidFile: ByteString) -> (user: Int32, mnt: Int32)? {
        guard case .success = Sys.stat(pidFile) else { return nil }
        if let fds = open(pidFile: pidFile) { return fds }
        guard case .success(let lock) = Sys.create(pidFile, O_RDWR, 0o644) else { return nil }
        defer { Sys.close(lock) }
        _ = Sys.lock(lock)
        if let fds = open(pidFile: pidFile) { return fds }
        _ = Sys.unlink(pidFile)
        return nil
    }

    /// Enters the namespaces and becomes root there, in `cwd`, as podman's re-exec does.
    static func join(_ fds: (user: Int32, mnt: Int32), cwd: ByteString) -> Result<Void, Failure> {
        defer {
            Sys.close(fds.user)
            Sys.close(fds.mnt)
        }
        if case .failure = Sys.setns(fds.user, cu_CLONE_NEWUSER) {
            return .failure(Failure.podman("cannot set user namespace"))
        }
        if case .failure = Sys.setns(fds.mnt, cu_CLONE_NEWNS) {
            return .failure(Failure.podman("cannot set mnt namespace"))
        }
        return becomeRoot(cwd: cwd)
    }

    static func becomeRoot(cwd: ByteString) -> Result<Void, Failure> {
        if case .failure(let e) = Sys.becomeRoot() {
            return .failure(Failure.podman("cannot setresuid: \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = Sys.chdir(cwd) {
            return .failure(Failure.podman("cannot chdir to \(cwd): \(GoText.errnoText(e.rawValue))"))
        }
        return .success(())
    }

    /// Starts the pause process in the namespaces this process is now in, and
    /// writes its pid file: 0 done, 1 another process wrote the pid file first,
    /// or the errno of the failure.
    static func start(pidFile: ByteString) -> Result<Bool, Errno> {
        let candidates: [ByteString] = ["/usr/libexec/podman/catatonit"] + pathCandidates("catatonit")
        let devnull = (try? Sys.open("/dev/null", O_RDWR | O_CLOEXEC).get()) ?? -1
        defer { if devnull >= 0 { Sys.close(devnull) } }
        let tmp = CArrays.array([pidFile + ".XXXXXX"])
        let cands = CArrays.array(candidates)
        let argv = CArrays.array(["catatonit", "-P"])
        let envp = CArrays.array(GoExec.environment(adding: []))
        var spec = cu_pause_spawn(
            pid_file: CArrays.string(pidFile), tmp_path: tmp[0]!, candidates: cands,
            argv: argv, envp: envp, devnull: devnull)
        let result: cu_pause_result
        switch Sys.spawnPause(&spec) {
        case .failure(let e): return .failure(e)
        case .success(let r): result = r
        }
        switch result.status {
        case 0: return .success(true)
        case 1: return .success(false)
        default: return .failure(Errno(result.err))
        }
    }

    /// Every "<dir>/<name>" of $PATH with an absolute dir, in order.
    static func pathCandidates(_ name: ByteString) -> [ByteString] {
        let path = getenv("PATH").map { ByteString(cString: $0) } ?? ""
        return path.split(UInt8(ascii: ":")).filter { $0.hasPrefix("/") }.map { GoText.joinPath($0, name) }
    }

    /// podman's warning when / is not a shared mount (outside a container), as it
    /// logs it before making a user namespace.
    static func sharedRootWarning() -> [PodmanLogLine] {
        guard getenv("container") == nil,
            case .success(let text) = Sys.readFile("/proc/self/mountinfo")
        else { return [] }
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count > 6, Array(fields[4]) == [UInt8(ascii: "/")] else { continue }
            let optional = fields[6...].prefix(while: { Array($0) != [UInt8(ascii: "-")] })
            if optional.contains(where: { $0.starts(with: Array("shared:".utf8)) }) { return [] }
            return [
                PodmanLogLine(
                    .warning,
                    "\"/\" is not a shared mount, this could cause issues or missing mounts with rootless containers")
            ]
        }
        return []
    }
}
