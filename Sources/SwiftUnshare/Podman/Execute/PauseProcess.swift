// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// podman's pause process (`catatonit -P`, its pid in
/// `<runtime dir>/libpod/tmp/pause.pid`): it holds rootless podman's user and
/// mount namespaces. Joining it puts this process where podman's own calls and
/// the user's rootless containers are. Runs in the parent, before the command
/// is spawned; setns(2) of a user namespace needs the single thread it has.
/// When none runs, one is spawned through the library's API (`command`),
/// published in the pid file and joined (`publish`).
enum PauseProcess {
    typealias Namespaces = (user: Int32, mnt: Int32)

    /// The namespaces of the process named in `pidFile`, opened: nil when the
    /// file is missing, unreadable, not a pid (Go's Atoi), or names a process
    /// that is gone or not the caller's own.
    static func open(pidFile: ByteString, _ sys: some PodmanSystemCalls) -> Namespaces? {
        guard case .success(let text) = PodmanIO.readFile(pidFile, sys),
            let pid = goAtoi(text), pid > 0
        else { return nil }
        // The pidfd pins the process: if it is still alive after the ns files
        // are open, those files are its own, not a recycled pid's. Without
        // one (a kernel before 5.3, or a seccomp filter that refuses
        // pidfd_open) the files are opened as podman opens them, unpinned:
        // a live pause process must not be taken for a stale one, whose pid
        // file would be removed and whose namespaces left beside a new pair.
        let pidfd: Int32?
        switch sys.pidfdOpen(pid) {
        case .success(let fd): pidfd = fd
        case .failure(let e) where e.rawValue == ESRCH: return nil
        case .failure: pidfd = nil
        }
        defer { if let pidfd { sys.close(pidfd) } }
        guard case .success(let f) = sys.stat("/proc/\(pid)", followLinks: true), f.uid == sys.euid else {
            return nil
        }
        guard let fds = openNamespaces(of: pid, sys) else { return nil }
        if let pidfd, sys.pidfdEnded(pidfd) != .success(false) {
            sys.close(fds.user)
            sys.close(fds.mnt)
            return nil
        }
        return fds
    }

    /// /proc/<pid>/ns/user and ns/mnt, both opened, or neither.
    static func openNamespaces(of pid: Int32, _ sys: some PodmanSystemCalls) -> Namespaces? {
        let user = try? sys.open("/proc/\(pid)/ns/user", O_RDONLY | O_CLOEXEC).get()
        let mnt = try? sys.open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC).get()
        if let user, let mnt { return (user, mnt) }
        if let user { sys.close(user) }
        if let mnt { sys.close(mnt) }
        return nil
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
    static func find(pidFile: ByteString, _ sys: some PodmanSystemCalls) -> Namespaces? {
        guard case .success = sys.stat(pidFile, followLinks: true) else { return nil }
        if let fds = open(pidFile: pidFile, sys) { return fds }
        guard case .success(let lock) = sys.create(pidFile, O_RDWR, 0o644) else { return nil }
        defer { sys.close(lock) }
        _ = sys.lock(lock)
        if let fds = open(pidFile: pidFile, sys) { return fds }
        _ = sys.unlink(pidFile)
        return nil
    }

    /// Enters the namespaces and becomes root there, in `cwd`, as podman's re-exec does.
    static func join(_ fds: Namespaces, cwd: ByteString, _ sys: some PodmanSystemCalls) -> Result<Void, Failure> {
        defer {
            sys.close(fds.user)
            sys.close(fds.mnt)
        }
        if case .failure = sys.setns(fds.user, cu_CLONE_NEWUSER) {
            return .failure(Failure.podman("cannot set user namespace"))
        }
        if case .failure = sys.setns(fds.mnt, cu_CLONE_NEWNS) {
            return .failure(Failure.podman("cannot set mnt namespace"))
        }
        if case .failure(let e) = sys.becomeRoot() {
            return .failure(Failure.podman("cannot setresuid: \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = sys.chdir(cwd) {
            return .failure(Failure.podman("cannot chdir to \(cwd): \(GoText.errnoText(e.rawValue))"))
        }
        return .success(())
    }

    /// podman's pause process as a spawn: `catatonit -P` (podman's own copy,
    /// else the first in PATH), in new user and mount namespaces (propagation
    /// left as the kernel gives it), a session of its own, stdio on
    /// /dev/null, podman's ignored signals, every signal but SIGCHLD and
    /// SIGTERM blocked, and not tied to this process. With no catatonit
    /// anywhere, the child itself waits, named "podman pause", as podman's does.
    /// The id maps are the caller's to add.
    static func command(devnull: Int32, _ sys: some PodmanSystemCalls) -> UnshareCommand {
        let installed: ByteString = "/usr/libexec/podman/catatonit"
        var c = UnshareCommand(sys.isExecutableFile(installed) ? installed : "catatonit", arguments: ["-P"])
        c.argv0 = "catatonit"
        c.namespaces = [.user, .mount]
        c.propagation = .unchanged
        c.standardInput = .fd(devnull)
        c.standardOutput = .fd(devnull)
        c.standardError = .fd(devnull)
        c.newSession = true
        c.ignoredSignals = [SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGPOLL, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ]
        c.blockedSignals = Set(1...64).subtracting([SIGCHLD, SIGTERM, SIGKILL, SIGSTOP])
        c._idleNameWhenNoProgram = "podman pause"
        return c
    }

    /// Publishes a pause process just started, and returns the namespaces to
    /// join: its own once its pid file is written; when another call wrote
    /// the pid file first, the winner's (this one is killed), so that every
    /// call shares one pair of namespaces.
    static func publish(
        _ pause: UnsharedProcess, pidFile: ByteString, namespace: PodmanUserNamespace, _ sys: some PodmanSystemCalls
    ) -> Result<Namespaces, Failure> {
        for _ in 0..<2 {
            switch writePidFile(pidFile, pid: pause.pid, sys) {
            case .success(true):
                // Our own child, not reaped: its pid names it.
                guard let fds = openNamespaces(of: pause.pid, sys) else {
                    return .failure(Failure.podman("cannot set user namespace"))
                }
                return .success(fds)
            case .success(false):
                // Another call's, or a stale one `find` removes: then try again.
                guard let winner = find(pidFile: pidFile, sys) else { continue }
                end(pause, sys)
                return .success(winner)
            case .failure(let e):
                end(pause, sys)
                return .failure(
                    namespace.setupFailure("setting up the process: open \(pidFile): \(GoText.errnoText(e.rawValue))"))
            }
        }
        end(pause, sys)
        return .failure(namespace.setupFailure("cannot start the pause process"))
    }

    /// Kills and reaps a pause process that is not to be used.
    static func end(_ pause: UnsharedProcess, _ sys: some PodmanSystemCalls) {
        sys.send(SIGKILL, to: pause)
        _ = sys.wait(for: pause)
    }

    /// Writes `pid` through a fresh temporary file renamed onto `pidFile` only
    /// if there is none: true written, false another pid file is there.
    static func writePidFile(_ pidFile: ByteString, pid: pid_t, _ sys: some PodmanSystemCalls) -> Result<Bool, Errno> {
        // (one thread: no exec can come before the temporary file's close)
        let (fd, tmp): (Int32, ByteString)
        switch sys.makeTemporaryFile(pidFile + ".") {
        case .failure(let e): return .failure(e)
        case .success(let made): (fd, tmp) = made
        }
        let written = sys.writeAll(fd, Array("\(pid)".utf8))
        sys.close(fd)
        guard case .failure(let e) = written.flatMap({ sys.renameNoReplace(tmp, pidFile) }) else {
            return .success(true)
        }
        _ = sys.unlink(tmp)
        return e.rawValue == EEXIST ? .success(false) : .failure(e)
    }

    /// podman's warning when / is not a shared mount (outside a container), as it
    /// logs it before making a user namespace.
    static func sharedRootWarning(_ sys: some PodmanSystemCalls) -> [PodmanLogLine] {
        guard sys.variable("container") == nil,
            case .success(let text) = PodmanIO.readFile("/proc/self/mountinfo", sys)
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
