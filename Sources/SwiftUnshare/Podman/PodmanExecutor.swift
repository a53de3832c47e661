// SPDX-License-Identifier: Apache-2.0
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
        let cwd = Sys.getcwd() ?? "/"
        if case .pause(let pidFile, let create) = plan.namespaces {
            if case .failure(let e) = enterPodmansNamespaces(pidFile: pidFile, create: create, cwd: cwd) { Self.die(e) }
        }
        if let netns = plan.rootlessNetns, case .failure(let e) = RootlessNetns.enter(netns) { Self.die(e) }
        runCommand()
    }

    /// Joins the pause process, or makes the namespaces and the pause process.
    private func enterPodmansNamespaces(
        pidFile: ByteString, create: PodmanUserNamespace,
        cwd: ByteString
    ) -> Result<Void, Failure> {
        if let fds = PauseProcess.find(pidFile: pidFile) { return PauseProcess.join(fds, cwd: cwd) }
        let tmpDir = GoText.cleanPath(pidFile + "/..")
        if case .failure(let e) = PodmanIO.mkdirAll(tmpDir, mode: 0o700) {
            return .failure(Failure.podman("mkdir \(tmpDir): \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = create.make(uid: getuid(), gid: getgid()) { return .failure(e) }
        if case .failure(let e) = PauseProcess.becomeRoot(cwd: cwd) { return .failure(e) }
        switch PauseProcess.start(pidFile: pidFile) {
        case .success:
            // Written, or another call wrote its pause process first: the command
            // then runs in the namespaces made here (podman would re-join).
            return .success(())
        case .failure:
            let reason: ByteString
            if case .failure(let err) = Sys.readFile(pidFile) {
                reason = "open \(pidFile): \(GoText.errnoText(err.rawValue))"
            } else {
                reason = "cannot start the pause process"
            }
            return .failure(.podmanLogged([PodmanUserNamespace.internalStatus("setting up the process: \(reason)")]))
        }
    }

    /// exec.Command(...).Run(), as podman's unshare calls it, on the core's
    /// one fork-forward-wait path; the child runs only cu_exec_command.
    private func runCommand() -> Never {
        let pathVar = getenv("PATH").map { ByteString(cString: $0) }
        let program: ByteString
        switch GoExec.lookPath(plan.command[0], path: pathVar, isExecutableFile: GoExec.isExecutableFile) {
        case .failure(let e): Self.die(e)
        case .success(let p): program = p
        }
        let report: (read: Int32, write: Int32)
        switch Sys.pipe() {
        case .failure(let e): Self.die(Failure.podmanSystem("pipe", e))
        case .success(let p): report = p
        }
        var command = cu_command(
            path: CArrays.string(program), argv: CArrays.array(plan.command),
            envp: CArrays.array(GoExec.environment(adding: plan.environment)),
            parent: getpid(), report_fd: report.write)
        _ = Sys.defaultSignal(SIGCHLD)  // an inherited SIG_IGN would make waitpid fail
        let sys = LiveSystemCalls()
        let child: Int32
        switch ForkAndWait.fork(.init([SIGHUP, SIGINT, SIGTERM], forward: true, childDefaults: true), sys) {
        case .failure(let f): Self.die(f.asPodman)
        case .success(.child): cu_exec_command(&command)
        case .success(.parent(let pid)): child = pid
        }
        Sys.close(report.write)
        let failed = PodmanIO.read(report.read, count: 4)
        Sys.close(report.read)
        let end = ForkAndWait.wait(child, sys)
        if failed.count == 4 {
            let e = failed.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
            Self.die(GoExec.startFailure(program, errno: e))
        }
        guard case .success(let ending) = end else { exit(125) }
        exit(ForkAndWait.podmanExitCode(ending))
    }

    static func die(_ error: Failure) -> Never {
        PodmanUnshare.report(error, command: "")
        exit(error.exitCode)
    }
}
