import CUnshareSys
import Glibc

/// Carries out a PodmanPlan. The process forks once: the parent stays in the
/// original namespaces, forwards SIGHUP, SIGINT and SIGTERM to the child and
/// ends as podman does (the command's exit status; 255 when a signal killed
/// it); the child makes or joins the namespaces and execs the command, with
/// PR_SET_PDEATHSIG SIGKILL so that it dies with the parent.
///
/// newuidmap/newgidmap failures: the child falls back to the single mapping
/// it may write itself. If one tool had already written its map (newuidmap
/// succeeded and newgidmap failed, say), that namespace cannot be fixed: the
/// child says so to the parent on a close-on-exec pipe and exits, and the
/// parent starts over with a fresh child and the single mapping for both, so
/// uid and gid maps are never a mix of the two.
///
/// Single-threaded throughout; the fork child goes on in Swift (the parent has
/// no other thread), and the map helpers it forks run only CUnshareSys's C.
struct PodmanExecutor {
    let plan: PodmanPlan

    /// The byte a child sends when its namespace must be redone with the single mapping.
    private static let retryByte: UInt8 = 0x52   // "R"

    func run() -> Never {
        PodmanLog.emit(plan.messages)

        var join: (user: Int32, mnt: Int32)?
        var cwd: ByteString = "/"
        if case .rootlessNetns(let pidFile, _) = plan.namespaces {
            switch Self.openPauseNamespaces(pidFile) {
            case .failure(let e): Self.die(e)
            case .success(let fds): join = fds
            }
            if let dir = getcwd(nil, 0) {
                cwd = ByteString(cString: dir)
                free(dir)
            }
        }

        // podman: move onto the core (ForkAndWait.fork with these signals)
        let forwarded = [SIGHUP, SIGINT, SIGTERM]
        if case .failure(let e) = Sys.forwardSignals(forwarded) { Self.die(Self.system("sigaction", e)) }
        _ = cu_default_signal(SIGCHLD)   // an inherited SIG_IGN would make waitpid fail

        let parent = getpid()
        var namespaces = plan.namespaces
        while true {
            let fds: (read: Int32, write: Int32)
            switch Sys.pipe() {
            case .failure(let e): Self.die(Self.system("pipe", e))
            case .success(let p): fds = p
            }
            let child: Int32
            switch Sys.fork() {
            case .failure(let e): Self.die(Self.system("fork", e))
            case .success(let pid): child = pid
            }
            if child == 0 {
                close(fds.read)
                if case .failure(let e) = Sys.resetForwardedSignals(toDefault: false).flatMap(Sys.restoreSignalMask) {
                    Self.die(Self.system("restoring the signal handlers", e))
                }
                childMain(namespaces, status: fds.write, parent: parent, join: join, cwd: cwd)
            }
            close(fds.write)
            cu_set_forward_target(child)
            _ = Sys.restoreSignalMask()
            let report = Self.readByte(fds.read)
            close(fds.read)
            if report == Self.retryByte {
                _ = Sys.blockSignals(forwarded)
                cu_set_forward_target(0)
                _ = Self.wait(child)
                namespaces = .newUser(.single(uid: plan.uid, gid: plan.gid))
                continue
            }
            exit(Self.wait(child))
        }
    }

    // MARK: The child

    private func childMain(_ namespaces: PodmanPlan.Namespaces, status: Int32, parent: pid_t,
                           join: (user: Int32, mnt: Int32)?, cwd: ByteString) -> Never {
        switch namespaces {
        case .newUser(.ranges(let uidLines, let gidLines)):
            // podman: move onto the core (errors as one Failure value)
            let sys = LiveSystemCalls()
            let helpers: [RunningHelper]
            switch IDMapHelpers.start(.newIDMap(uid: uidLines, gid: gidLines), target: getpid(), sys) {
            case .failure(let failure): Self.die(PodmanError(failure.message ?? ""))
            case .success(let started): helpers = started
            }
            unshareUserAndMount()
            if let failure = IDMapHelpers.release(helpers, sys) {
                let detail = failure.message ?? failure.podmanText(errnoText: GoText.errnoText)
                PodmanLog.emit([
                    PodmanLogLine(.warning, "cannot set up the user namespace with newuidmap and newgidmap: \(detail)"),
                    PodmanLogLine(.warning, PodmanPlan.singleMappingWarning),
                ])
                if Self.mapWritten("/proc/self/uid_map") || Self.mapWritten("/proc/self/gid_map") {
                    _ = Sys.writeAll(status, [Self.retryByte])
                    _exit(0)
                }
                writeSingleMaps()
            }
        case .newUser(.single):
            unshareUserAndMount()
            writeSingleMaps()
        case .nested:
            if cu_unshare(cu_CLONE_NEWNS) != 0 { Self.die(Self.system("cannot create a mount namespace")) }
        case .rootlessNetns(_, let netns):
            joinRootlessNetns(netns, join: join, cwd: cwd)
        }

        // Die with the parent. Set only now: unshare(CLONE_NEWUSER) clears it.
        if cu_set_pdeathsig(SIGKILL) != 0 { Self.die(Self.system("prctl(PR_SET_PDEATHSIG)")) }
        if getppid() != parent { _exit(1) }   // the parent is already gone
        exec()
    }

    private func unshareUserAndMount() {
        if cu_unshare(cu_CLONE_NEWUSER | cu_CLONE_NEWNS) != 0 {
            Self.die(Self.system("cannot create a user namespace"))
        }
    }

    /// The single mapping, written from inside: setgroups `deny` first, as the kernel requires.
    private func writeSingleMaps() {
        let writes: [(ByteString, ByteString, Bool)] = [
            ("/proc/self/setgroups", "deny", true),
            ("/proc/self/uid_map", "0 \(plan.uid) 1", false),
            ("/proc/self/gid_map", "0 \(plan.gid) 1", false),
        ]
        for (path, text, optional) in writes {
            let fd = path.withCString { open($0, O_WRONLY | O_CLOEXEC) }
            if fd < 0 {
                if optional && errno == ENOENT { continue }
                Self.die(Self.system("cannot write \(path)"))
            }
            let written = Sys.writeAll(fd, text.bytes)
            close(fd)
            if case .failure(let e) = written {
                Self.die(PodmanError("cannot write \(path): \(GoText.errnoText(e.rawValue))"))
            }
        }
    }

    private func joinRootlessNetns(_ netns: ByteString, join: (user: Int32, mnt: Int32)?, cwd: ByteString) {
        guard let join else { Self.die(PodmanError("no rootless network namespace to join")) }
        if cu_setns(join.user, cu_CLONE_NEWUSER) != 0 { Self.die(Self.system("cannot join podman's user namespace")) }
        if cu_setns(join.mnt, cu_CLONE_NEWNS) != 0 { Self.die(Self.system("cannot join podman's mount namespace")) }
        close(join.user)
        close(join.mnt)
        let fd = netns.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            if errno == ENOENT {
                Self.die(PodmanError("no rootless network namespace to join: \(netns) does not exist"))
            }
            Self.die(Self.system("cannot open \(netns)"))
        }
        if cu_setns(fd, cu_CLONE_NEWNET) != 0 {
            if errno == EINVAL {
                Self.die(PodmanError("no rootless network namespace to join: \(netns) is not a network namespace"))
            }
            Self.die(Self.system("cannot join the rootless network namespace \(netns)"))
        }
        close(fd)
        if cu_unshare(cu_CLONE_NEWNS) != 0 { Self.die(Self.system("cannot create a mount namespace")) }
        if cwd.withCString({ chdir($0) }) != 0 { Self.die(Self.system("cannot chdir to \(cwd)")) }
    }

    /// Go's exec.Command and Cmd.Run, as podman uses them: the PATH search of
    /// exec.LookPath, the environment plus podman's variables, and podman's
    /// texts and exit codes when the program cannot be run.
    private func exec() -> Never {
        let name = plan.command[0]
        let path = getenv("PATH").map { ByteString(cString: $0) }
        let program: ByteString
        switch Self.lookPath(name, path: path, isExecutableFile: Self.isExecutableFile) {
        case .failure(let e): Self.die(e)
        case .success(let p): program = p
        }
        let argv = CArrays.array(plan.command)
        let envp = CArrays.array(Self.environment(adding: plan.environment))
        execve(CArrays.string(program), argv, envp)
        let e = errno
        let code: Int32 = e == ENOENT ? 127 : (e == EACCES || e == EPERM ? 126 : 125)
        Self.die(PodmanError("fork/exec \(program): \(GoText.errnoText(e))", exitCode: code))
    }

    // MARK: Pieces

    /// exec.LookPath (Go 1.19) for podman 4.3.1: a name with a slash is used as
    /// it is; otherwise the first PATH entry ("" is ".") holding a non-directory
    /// with an execute bit; found relative to ".", it is refused (ErrDot).
    static func lookPath(_ name: ByteString, path: ByteString?,
                         isExecutableFile: (ByteString) -> Bool) -> Result<ByteString, PodmanError> {
        if name.isEmpty { return .failure(PodmanError("exec: no command")) }
        if name.bytes.contains(UInt8(ascii: "/")) { return .success(name) }
        let dirs = (path ?? "").isEmpty ? [] : (path ?? "").split(UInt8(ascii: ":"))
        for dir in dirs {
            let candidate = GoText.joinPath(dir.isEmpty ? "." : dir, name)
            if isExecutableFile(candidate) {
                if !candidate.hasPrefix("/") {
                    return .failure(PodmanError(
                        "exec: \(GoText.quote(name)): cannot run executable found relative to current directory"))
                }
                return .success(candidate)
            }
        }
        return .failure(PodmanError("exec: \(GoText.quote(name)): executable file not found in $PATH", exitCode: 127))
    }

    static func isExecutableFile(_ path: ByteString) -> Bool {
        var st = stat()
        guard path.withCString({ fstatat(AT_FDCWD, $0, &st, 0) }) == 0 else { return false }
        return st.st_mode & S_IFMT != S_IFDIR && st.st_mode & 0o111 != 0
    }

    /// The process's environment without podman's variables, then podman's variables.
    static func environment(adding variables: [PodmanEnvVar]) -> [ByteString] {
        let names = Set(variables.map { $0.name.bytes + [UInt8(ascii: "=")] })
        var result: [ByteString] = []
        var i = 0
        while let entry = environ[i] {
            let item = ByteString(cString: entry)
            let name = item.bytes.prefix(while: { $0 != UInt8(ascii: "=") }) + [UInt8(ascii: "=")]
            if !names.contains(Array(name)) { result.append(item) }
            i += 1
        }
        return result + variables.map { $0.name + "=" + $0.value }
    }

    /// Whether a map file was already written (it is empty until then).
    static func mapWritten(_ path: String) -> Bool {
        switch LiveSystem().readFile(path) {
        case .success(let text): return !text.isEmpty
        case .failure: return true   // unknown: assume the worst
        }
    }

    /// podman's pause process's user and mount namespaces, opened before fork.
    static func openPauseNamespaces(_ pidFile: ByteString) -> Result<(user: Int32, mnt: Int32), PodmanError> {
        let notRunning: ByteString = "no rootless network namespace to join: podman's pause process is not running"
        let text: [UInt8]
        switch LiveSystem().readFile(pidFile.description) {
        case .failure(let e):
            if e.rawValue == ENOENT { return .failure(PodmanError("\(notRunning) (no \(pidFile))")) }
            return .failure(PodmanError("open \(pidFile): \(GoText.errnoText(e.rawValue))"))
        case .success(let t): text = t
        }
        let trimmed = ByteString(Array(text.prefix(while: { $0 != 0x0a && $0 != 0x20 })))
        guard case .success(let pid) = NumberParsing.unsigned32(trimmed), pid > 0, pid <= UInt32(Int32.max) else {
            return .failure(PodmanError("cannot parse \(pidFile): \(GoText.quote(trimmed))"))
        }
        var fds: [Int32] = []
        for ns in ["user", "mnt"] {
            let fd = open("/proc/\(pid)/ns/\(ns)", O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                fds.forEach { close($0) }
                if e == ENOENT || e == ESRCH {
                    return .failure(PodmanError("\(notRunning) (pid \(pid) of \(pidFile) is gone)"))
                }
                return .failure(PodmanError("open /proc/\(pid)/ns/\(ns): \(GoText.errnoText(e))"))
            }
            fds.append(fd)
        }
        return .success((fds[0], fds[1]))
    }

    static func readByte(_ fd: Int32) -> UInt8? {
        (try? Sys.readAll(fd).get())?.first   // the child writes one byte, or none
    }

    /// Waits for the child: its exit status, or 255 (Go's -1) when a signal ended it.
    static func wait(_ child: pid_t) -> Int32 {
        switch Sys.wait(child) {   // podman: move onto the core (ForkAndWait.wait)
        case .failure: return 125
        case .success(let end): return ForkAndWait.podmanExitCode(end)
        }
    }

    static func system(_ what: ByteString) -> PodmanError {
        PodmanError("\(what): \(GoText.errnoText(errno))")
    }

    static func system(_ what: ByteString, _ e: Errno) -> PodmanError {
        PodmanError("\(what): \(GoText.errnoText(e.rawValue))")
    }

    static func die(_ error: PodmanError) -> Never {
        _ = Sys.writeAll(2, error.rendered(command: "").bytes)
        exit(error.exitCode)
    }
}
