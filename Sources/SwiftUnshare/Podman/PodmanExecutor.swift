import CUnshareSys
import Glibc

/// Carries out a PodmanPlan, in podman 4.3.1's order. This process (single
/// threaded) joins the user and mount namespaces of podman's pause process,
/// or makes them and starts the pause process when none runs; with
/// --rootless-netns it then joins (or makes) podman's rootless network
/// namespace. Only then is the command forked, by C that resets its signal
/// state and execs it; this process forwards SIGHUP, SIGINT and SIGTERM to it
/// and ends as podman does: the command's exit status, 255 when a signal
/// killed it. The command gets SIGKILL if this process dies.
struct PodmanExecutor {
    let plan: PodmanPlan

    func run() -> Never {
        var cwd: ByteString = "/"
        if let dir = getcwd(nil, 0) {
            cwd = ByteString(cString: dir)
            free(dir)
        }
        if case .pause(let pidFile, let create) = plan.namespaces {
            if case .failure(let e) = enterPodmansNamespaces(pidFile: pidFile, create: create, cwd: cwd) { Self.die(e) }
        }
        if let netns = plan.rootlessNetns, case .failure(let e) = RootlessNetns.enter(netns) { Self.die(e) }
        runCommand()
    }

    /// Joins the pause process, or makes the namespaces and the pause process.
    private func enterPodmansNamespaces(pidFile: ByteString, create: PodmanUserNamespace,
                                        cwd: ByteString) -> Result<Void, PodmanError> {
        if let fds = PauseProcess.find(pidFile: pidFile) { return PauseProcess.join(fds, cwd: cwd) }
        let tmpDir = GoText.cleanPath(pidFile + "/..")
        if let e = PodmanIO.mkdirAll(tmpDir, mode: 0o700) {
            return .failure(PodmanError("mkdir \(tmpDir): \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = create.make(uid: getuid(), gid: getgid()) { return .failure(e) }
        if case .failure(let e) = PauseProcess.becomeRoot(cwd: cwd) { return .failure(e) }
        switch PauseProcess.start(pidFile: pidFile) {
        case .success:
            // Written, or another call wrote its pause process first: the command
            // then runs in the namespaces made here (podman would re-join).
            return .success(())
        case .failure:
            let e = LiveSystem().readFile(pidFile.description)
            let reason: ByteString
            if case .failure(let err) = e {
                reason = "open \(pidFile): \(GoText.errnoText(err.rawValue))"
            } else {
                reason = "cannot start the pause process"
            }
            return .failure(.logged([PodmanUserNamespace.internalStatus("setting up the process: \(reason)")]))
        }
    }

    /// exec.Command(...).Run(), as podman's unshare calls it.
    private func runCommand() -> Never {
        let pathVar = getenv("PATH").map { ByteString(cString: $0) }
        let program: ByteString
        switch GoExec.lookPath(plan.command[0], path: pathVar, isExecutableFile: GoExec.isExecutableFile) {
        case .failure(let e): Self.die(e)
        case .success(let p): program = p
        }
        var report: [Int32] = [-1, -1]
        if cu_pipe_cloexec(&report) != 0 { Self.die(Self.system("pipe")) }
        var command = cu_command(path: CArrays.string(program), argv: CArrays.array(plan.command),
                                 envp: CArrays.array(GoExec.environment(adding: plan.environment)),
                                 parent: getpid(), report_fd: report[1])

        var forwarded = sigset_t()
        sigemptyset(&forwarded)
        for signal in [SIGHUP, SIGINT, SIGTERM] { sigaddset(&forwarded, signal) }
        var oldMask = sigset_t()
        if sigprocmask(SIG_BLOCK, &forwarded, &oldMask) != 0 { Self.die(Self.system("sigprocmask")) }
        if cu_forward_hup_int_term() != 0 { Self.die(Self.system("sigaction")) }
        _ = cu_default_signal(SIGCHLD)   // an inherited SIG_IGN would make waitpid fail

        let child = cu_spawn_command(&command)
        if child < 0 { Self.die(Self.system("fork")) }
        cu_set_forward_target(child)
        _ = sigprocmask(SIG_SETMASK, &oldMask, nil)
        close(report[1])
        let failed = PodmanIO.read(report[0], count: 4)
        close(report[0])
        let status = PodmanIO.waitStatus(child)
        if failed.count == 4 {
            let e = failed.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
            Self.die(GoExec.startFailure(program, errno: e))
        }
        guard let status else { exit(125) }
        exit(cu_wifexited(status) != 0 ? cu_wexitstatus(status) : 255)
    }

    static func system(_ what: ByteString) -> PodmanError {
        PodmanError("\(what): \(GoText.errnoText(errno))")
    }

    static func die(_ error: PodmanError) -> Never {
        PodmanUnshare.report(error, command: "")
        exit(error.exitCode)
    }
}
