// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Carries out a PodmanPlan, in podman 4.3.1's order, through
/// `PodmanSystemCalls` (live, or a recording fake in unit tests). This process
/// (single threaded) first makes the directories podman makes
/// (docs/podman-unshare.md, steps 1, 2 and 6), then joins the user and mount
/// namespaces of podman's pause process, or, when none runs, spawns the pause
/// process in new namespaces through the library's API and joins that; with
/// --rootless-netns it then joins (or makes) podman's rootless network
/// namespace. Only then is the command spawned, through the same API; this
/// process forwards SIGHUP, SIGINT and SIGTERM to it and ends as podman does:
/// the command's exit status, 255 when a signal killed it. The command gets
/// SIGKILL if this process dies, and the signal mask podman would leave it.
struct PodmanExecutor<System: PodmanSystemCalls> {
    let plan: PodmanPlan
    let sys: System
    /// How to make podman's user namespace, asked only when no pause process
    /// can be joined (PodmanPlan.userNamespace).
    let userNamespace: (_ firstRun: Bool) -> PodmanUserNamespace

    /// The signals podman 4.3.1 unblocks for itself (Go's runtime and its own
    /// handlers): its command keeps blocked only the other inherited ones
    /// (docs/podman-unshare.md).
    static var podmanHandledSignals: Set<Int32> { [1, 2, 3, 4, 5, 6, 7, 8, 11, 15, 16, 17, 23, 27, 31, 34] }

    init(plan: PodmanPlan, system: System, userNamespace: @escaping (_ firstRun: Bool) -> PodmanUserNamespace) {
        self.plan = plan
        self.sys = system
        self.userNamespace = userNamespace
    }

    /// Every step; ends with the status podman ends with, or its failure.
    func run() -> Ending {
        let inheritedMask = sys.blockedSignals()
        // An inherited SIG_IGN would have the kernel reap our children
        // (newuidmap, the command) before we could wait for them.
        _ = sys.defaultSignal(SIGCHLD)
        PodmanLog.emit(plan.directories.messages, sys)
        if case .failure(let e) = makeDirectories(plan.directories) { return .failure(e) }
        let cwd = sys.currentDirectory() ?? "/"
        if case .pause(let pidFile, let firstRun) = plan.namespaces {
            if case .failure(let e) = enterPodmansNamespaces(pidFile: pidFile, firstRun: firstRun, cwd: cwd) {
                return .failure(e)
            }
        }
        if let netns = plan.rootlessNetns, case .failure(let e) = RootlessNetns.enter(netns, sys) {
            return .failure(e)
        }
        return runCommand(blocked: inheritedMask.subtracting(Self.podmanHandledSignals))
    }

    /// What podman makes before anything else: the runtime directory when it
    /// chose one missing, `<runtime>/libpod` (mode 01700, or changed to it),
    /// and the static dir. The plan already judged each; a failure here is a
    /// race, told in the same words.
    func makeDirectories(_ d: PodmanDirectories) -> Result<Void, Failure> {
        func logged(_ text: ByteString) -> Failure { .podmanLogged([PodmanLogLine(.error, text)]) }
        if d.makeRuntimeDir, case .failure(let e) = PodmanIO.mkdirAllNaming(d.runtimeDir, mode: 0o700, sys) {
            return .failure(logged(e.text))
        }
        switch sys.mkdir(d.libpodDir, 0o1700) {
        case .success: break
        case .failure(let e) where e.rawValue == EEXIST:
            if case .failure(let e) = sys.chmod(d.libpodDir, 0o1700) {
                return .failure(logged("set sticky bit on: chmod \(d.libpodDir): \(GoText.errnoText(e.rawValue))"))
            }
        case .failure(let e):
            return .failure(logged("mkdir \(d.libpodDir): \(GoText.errnoText(e.rawValue))"))
        }
        if case .failure(let e) = PodmanIO.mkdirAllNaming(d.staticDir, mode: 0o700, sys) {
            return .failure(Failure.podman("creating runtime static files directory: \(e.text)"))
        }
        return .success(())
    }

    /// Joins the pause process, or starts one (or finds another call's) and joins that.
    private func enterPodmansNamespaces(
        pidFile: ByteString, firstRun: Bool,
        cwd: ByteString
    ) -> Result<Void, Failure> {
        if let fds = PauseProcess.find(pidFile: pidFile, sys) { return PauseProcess.join(fds, cwd: cwd, sys) }
        let create = userNamespace(firstRun)
        let tmpDir = GoText.cleanPath(pidFile + "/..")
        if case .failure(let e) = PodmanIO.mkdirAllNaming(tmpDir, mode: 0o700, sys) {
            return .failure(Failure.podman("creating tmpdir: \(e.text)"))
        }
        let devnull: Int32
        switch sys.open("/dev/null", O_RDWR | O_CLOEXEC) {
        case .failure(let e): return .failure(Failure.podmanSystem("open /dev/null", e))
        case .success(let fd): devnull = fd
        }
        defer { sys.close(devnull) }
        return create.startPause(devnull: devnull, sys)
            .flatMap { PauseProcess.publish($0, pidFile: pidFile, namespace: create, sys) }
            .flatMap { PauseProcess.join($0, cwd: cwd, sys) }
    }

    /// exec.Command(...).Run(), as podman's unshare calls it: a spawn with no
    /// namespaces, default signals, the mask podman leaves (`blocked`) and
    /// SIGKILL on our death.
    private func runCommand(blocked: Set<Int32>) -> Ending {
        let program: ByteString
        switch GoExec.lookPath(
            plan.command[0], path: sys.variable("PATH"), isExecutableFile: { sys.isExecutableFile($0) })
        {
        case .failure(let e): return .failure(e)
        case .success(let p): program = p
        }
        var command = UnshareCommand(program, arguments: Array(plan.command.dropFirst()))
        command.argv0 = plan.command[0]
        command.environment = GoExec.environment(sys.environmentList(), adding: plan.environment)
        command.parentDeathSignal = SIGKILL
        // This process has one thread, which lives until it exits: clone on it
        // (the library's own thread would be a second one).
        command._cloneOnCallingThread = true
        // `podman unshare cmd 3<file` hands descriptor 3 to cmd, as Go's exec
        // keeps what is not close-on-exec; with one thread, nothing else can leak.
        command._keepInheritedDescriptors = true
        command._noShellRetry = true  // Go's exec: no /bin/sh for a file without #!
        command.blockedSignals = blocked

        // Forwarded signals are blocked from here until the target is known:
        // one that comes meanwhile waits, and is then sent to the command.
        if case .failure(let e) = sys.forwardSignals([SIGHUP, SIGINT, SIGTERM]) {
            return .failure(Failure.podmanSystem("sigaction", e))
        }
        let child: UnsharedProcess
        switch sys.spawn(command) {
        case .failure(let error):
            if error.stage == .notFound || error.stage == .notExecutable, let e = error.errno {
                return .failure(GoExec.startFailure(program, errno: e.rawValue))
            }
            return .failure(error.failure.asPodman)
        case .success(let c): child = c
        }
        sys.setForwardTarget(child.pid)
        _ = sys.restoreSignalMask()
        // Wait without reaping first: until the forwarding stops, the pid
        // stays the command's, so no forwarded signal reaches another process.
        sys.waitWithoutReaping(child)
        sys.setForwardTarget(0)
        guard case .success(let ending) = sys.wait(for: child) else { return .exit(125) }
        return .exit(GoExec.exitCode(ending))
    }
}
