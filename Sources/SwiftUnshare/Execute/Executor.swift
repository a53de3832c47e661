// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

extension Propagation {
    /// The mount(2) flags that set it on / (0: left as it is).
    var mountFlags: UInt {
        switch self {
        case .slave: return cu_MS_REC | cu_MS_SLAVE
        case .shared: return cu_MS_REC | cu_MS_SHARED
        case .private: return cu_MS_REC | cu_MS_PRIVATE
        case .unchanged: return 0
        }
    }
}

/// Carries out a Plan, step by step, in the order it lists, through
/// `SystemCalls` (live, or a recording fake in unit tests). It reads nothing
/// but `plan.steps`. Single-threaded throughout (the CLI checks before the
/// first step); the forked helpers run only CUnshareSys's C.
package struct Executor<System: SystemCalls> {
    package let plan: Plan
    package let pid: Int32
    let sys: System
    var mapHelpers: [RunningHelper] = []
    var bindHelper: RunningHelper?

    package init(plan: Plan, pid: Int32, system: System) {
        self.plan = plan
        self.pid = pid
        self.sys = system
    }

    /// Runs every step. Ends by exec (never returns), by the fork parent's
    /// end (`.exit`, or a signal raised on itself), or with a failure.
    package mutating func run() -> Ending {
        _ = sys.defaultSignal(SIGCHLD)  // clear an inherited SIG_IGN, or waitpid fails
        for step in plan.steps {
            if let ending = perform(step) { return ending }
        }
        return .failure(Failure("nothing to execute"))
    }

    /// One step; nil when the run goes on. --check drives the steps itself
    /// through this (Check/CommandCheck.swift), stopping at the exec.
    mutating func perform(_ step: Step) -> Ending? {
        if let file = step.selfWrite {  // a single-id map or setgroups, in util-linux's words
            return write(file.path, file.text, ignoreMissing: file.ignoreMissing)
        }
        switch step {
        case .startBindHelper(let targets):
            switch IDMapHelpers.startBind(targets, target: pid, sys) {
            case .failure(let f): return .failure(f)
            case .success(let helper): bindHelper = helper
            }
        case .startMapHelper(let helper):
            switch IDMapHelpers.start(helper, target: pid, sys) {
            case .failure(let f): return .failure(f)
            case .success(let helpers): mapHelpers = helpers
            }
        case .becomeOwner(let owner):
            return check(sys.setgroupsNone(), .call("setgroups")) ?? check(sys.setgid(owner.gid), .call("setgid()"))
                ?? check(sys.setuid(owner.uid), .call("setuid()"))
        case .unshare(let namespaces):
            return check(sys.unshare(Namespace.flags(namespaces)), .call("unshare"))
        case .releaseMapHelper:
            return IDMapHelpers.release(mapHelpers, sys).map(Ending.failure)
        case .setTimeOffset(let clock, let seconds):
            let path: ByteString = "/proc/self/timens_offsets"
            return write(
                path, "\(clock.clockID) \(seconds) 0", open: .openTimeOffsets(path), write: .writeTimeOffsets(path))
        case .fork(let killChild, let forwardSignals, let persist):
            return forkAndWait(killChild: killChild, forwardSignals: forwardSignals, persist: persist)
        case .persist(let action):
            return self.persist(action).map(Ending.failure)
        case .writeUIDMap, .writeGIDMap, .writeSetgroups:
            break  // written above (selfWrite)
        case .setPropagation(let mode):
            return check(sys.mount("none", "/", nil, mode.mountFlags), .changePropagation(nil))
        case .loadFixedInterpreterBeforeChroot(let dir, let definition):
            return mountBinfmt(dir) ?? loadInterpreter(directory: dir, definition: definition)
        case .chroot(let dir):
            return check(sys.chroot(dir), .changeRoot(dir))
        case .chdir(let dir):
            return check(sys.chdir(dir), .changeDirectory(dir))
        case .makeMountPointPrivate(let dir):
            if case .failure(let e) = sys.mount("none", dir, nil, cu_MS_PRIVATE | cu_MS_REC), e.rawValue != EINVAL {
                return .failure(Failure(.changePropagation(dir), e))
            }
        case .mountProc(let dir):
            return check(sys.mount("proc", dir, "proc", cu_MS_NOSUID | cu_MS_NOEXEC | cu_MS_NODEV), .mount(dir))
        case .mountBinfmt(let dir):
            return mountBinfmt(dir)
        case .loadInterpreter(let dir, let definition):
            return loadInterpreter(directory: dir, definition: definition)
        case .setgid(let gid):
            return check(sys.setgroupsNone(), .call("setgroups")) ?? check(sys.setgid(gid), .call("setgid()"))
        case .setuid(let uid):
            return check(sys.setuid(uid), .call("setuid()"))
        case .keepCapabilities:
            if case .failure(let f) = sys.raiseAmbientCapabilities() { return .failure(f) }
        case .clearEnvironment(let keep):
            sys.clearEnvironment(keeping: keep)
        case .exec(let command):
            return .failure(Self.execFailure(command[0], sys.execvp(command)))
        case .execShell(let environment):
            let path = loginShell(environment)
            return .failure(Self.execFailure(path, sys.execv(path, ["-" + path.basename])))
        }
        return nil
    }

    /// The login shell `.execShell` executes: $SHELL as the shell will see it,
    /// else the passwd entry's as it is now, else /bin/sh.
    func loginShell(_ environment: ByteString?) -> ByteString {
        environment ?? sys.shellOfCurrentUser() ?? "/bin/sh"
    }

    /// util-linux's errexec(): 127 when the program is not there, else 126.
    static func execFailure(_ program: ByteString, _ e: Errno) -> Failure {
        Failure(.execute(program), e, exitCode: e.rawValue == ENOENT ? 127 : 126)
    }

    private func check(_ result: Result<Void, Errno>, _ operation: Failure.Operation) -> Ending? {
        if case .failure(let e) = result { return .failure(Failure(operation, e)) }
        return nil
    }

    /// A /proc file written in one go; util-linux's "cannot open" / "write failed" by default.
    private func write(
        _ path: ByteString, _ text: ByteString, ignoreMissing: Bool = false, in dirfd: Int32? = nil,
        open: Failure.Operation? = nil, write: Failure.Operation? = nil
    ) -> Ending? {
        switch ProcFiles.write(path, text, ignoreMissing: ignoreMissing, in: dirfd, sys) {
        case .success: return nil
        case .failure(.open(let e)): return .failure(Failure(open ?? .openFile(path), e))
        case .failure(.write(let e)): return .failure(Failure(write ?? .writeFile(path), e))
        }
    }

    private func mountBinfmt(_ dir: ByteString) -> Ending? {
        check(sys.mount("binfmt_misc", dir, "binfmt_misc", cu_MS_NOSUID | cu_MS_NOEXEC | cu_MS_NODEV), .mount(dir))
    }

    private func loadInterpreter(directory: ByteString, definition: ByteString) -> Ending? {
        let dirfd: Int32
        switch sys.open(directory, cu_O_PATH | O_DIRECTORY | O_CLOEXEC) {
        case .failure(let e): return .failure(Failure(.openFile(directory), e))
        case .success(let fd): dirfd = fd
        }
        defer { sys.close(dirfd) }
        let register = directory + "/register"
        return write("register", definition, in: dirfd, open: .openFile(register), write: .writeFile(register))
    }
}
