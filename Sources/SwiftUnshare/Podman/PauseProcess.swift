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
        guard case .success(let text) = LiveSystem().readFile(pidFile.description),
              let pid = goAtoi(text), pid > 0 else { return nil }
        // The pidfd pins the process: if it is still alive after the ns files
        // are open, those files are its own, not a recycled pid's.
        let pidfd = cu_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        var st = stat()
        guard pidfd >= 0, stat("/proc/\(pid)", &st) == 0, st.st_uid == geteuid() else { return nil }
        let user = Glibc.open("/proc/\(pid)/ns/user", O_RDONLY | O_CLOEXEC)
        let mnt = Glibc.open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC)
        if user < 0 || mnt < 0 || cu_pidfd_gone(pidfd) != 0 {
            if user >= 0 { close(user) }
            if mnt >= 0 { close(mnt) }
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
        var st = stat()
        guard pidFile.withCString({ stat($0, &st) }) == 0 else { return nil }
        if let fds = open(pidFile: pidFile) { return fds }
        let lock = pidFile.withCString { Glibc.open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard lock >= 0 else { return nil }
        defer { close(lock) }
        _ = cu_lock_file(lock)
        if let fds = open(pidFile: pidFile) { return fds }
        _ = pidFile.withCString { unlink($0) }
        return nil
    }

    /// Enters the namespaces and becomes root there, in `cwd`, as podman's re-exec does.
    static func join(_ fds: (user: Int32, mnt: Int32), cwd: ByteString) -> Result<Void, PodmanError> {
        defer {
            close(fds.user)
            close(fds.mnt)
        }
        if cu_setns(fds.user, cu_CLONE_NEWUSER) != 0 { return .failure(PodmanError("cannot set user namespace")) }
        if cu_setns(fds.mnt, cu_CLONE_NEWNS) != 0 { return .failure(PodmanError("cannot set mnt namespace")) }
        return becomeRoot(cwd: cwd)
    }

    static func becomeRoot(cwd: ByteString) -> Result<Void, PodmanError> {
        if cu_become_root() != 0 { return .failure(PodmanError("cannot setresuid: \(GoText.errnoText(errno))")) }
        if cwd.withCString({ chdir($0) }) != 0 {
            return .failure(PodmanError("cannot chdir to \(cwd): \(GoText.errnoText(errno))"))
        }
        return .success(())
    }

    /// Starts the pause process in the namespaces this process is now in, and
    /// writes its pid file: 0 done, 1 another process wrote the pid file first,
    /// or the errno of the failure.
    static func start(pidFile: ByteString) -> Result<Bool, Errno> {
        let candidates: [ByteString] = ["/usr/libexec/podman/catatonit"] + pathCandidates("catatonit")
        let devnull = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devnull >= 0 { close(devnull) } }
        let tmp = CArrays.array([pidFile + ".XXXXXX"])
        let cands = CArrays.array(candidates)
        let argv = CArrays.array(["catatonit", "-P"])
        let envp = CArrays.array(GoExec.environment(adding: []))
        var spec = cu_pause_spawn(pid_file: CArrays.string(pidFile), tmp_path: tmp[0]!, candidates: cands,
                                  argv: argv, envp: envp, devnull: devnull)
        var result = cu_pause_result()
        if cu_spawn_pause(&spec, &result) != 0 { return .failure(.current) }
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
              case .success(let text) = LiveSystem().readFile("/proc/self/mountinfo") else { return [] }
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count > 6, Array(fields[4]) == [UInt8(ascii: "/")] else { continue }
            let optional = fields[6...].prefix(while: { Array($0) != [UInt8(ascii: "-")] })
            if optional.contains(where: { $0.starts(with: Array("shared:".utf8)) }) { return [] }
            return [PodmanLogLine(.warning, "\"/\" is not a shared mount, this could cause issues or missing mounts with rootless containers")]
        }
        return []
    }
}
