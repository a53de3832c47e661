// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What a check of a command found.
package struct CheckResult: Equatable, Sendable {
    /// The plan as the command would carry it out (persistent targets as given).
    package var plan: Plan
    /// The trial process (the pid its steps name, as /proc/<pid>).
    package var pid: Int32
    /// One outcome per step of `plan`.
    package var steps: [StepOutcome]
    /// How the trial process ended.
    package var ending: ProcessEnding
    /// What the trial printed on stderr (newuidmap's own messages), when it was kept.
    package var output: [UInt8]
    /// The persistent-namespace targets that were tried on a temporary file.
    package var substituted: [PersistTarget]

    /// The first step that failed, and how.
    package var firstFailure: (index: Int, failure: CheckFailure)? {
        for (index, outcome) in steps.enumerated() {
            if case .failed(let f) = outcome { return (index, f) }
        }
        return nil
    }

    /// The exit status the command would have had: the failing step's, else
    /// the trial's own (0 when every step worked).
    package var exitStatus: Int32 { firstFailure?.failure.exitCode ?? ending.shellStatus }

    package var isOK: Bool { firstFailure == nil && exitStatus == 0 }
}

/// --check with options (docs: the man page, CHECK): the plan carried out as
/// the command carries it out, step by step through the executor (the same
/// steps, the same map strategy, newuidmap and newgidmap really run), in a
/// throwaway child of this single-threaded process, which stops where the
/// command would execute the program: there the program is looked up as
/// execvp would, and not run. Each step's outcome comes back on a nameless
/// file. Nothing outlives the check: the trial and whatever it forked end
/// before the check does (this process is their subreaper, and waits for every
/// one); its namespaces and the mounts in them end with it; a persistent
/// namespace is bound onto a temporary file, unmounted and removed afterwards.
package enum CommandCheck {
    /// A trial under way.
    struct Trial {
        /// The plan as the command would carry it out.
        var plan: Plan
        /// The plan the trial carries out: persistent targets substituted.
        var tried: Plan
        var pid: Int32
        var records: Int32
        var capture: Int32?
        /// (real target, temporary file) for each substituted persistent target.
        var substitutes: [(real: PersistTarget, temporary: ByteString)]
        var directory: ByteString?
    }

    /// Checks one plan (its trial alone); the result, or why no trial could be made.
    package static func run(_ plan: Plan, captureOutput: Bool, _ sys: some CheckSystemCalls) -> Result<
        CheckResult, Failure
    > {
        start(plan, captureOutput: captureOutput, sys).map { finish([$0], sys)[0] }
    }

    /// Forks the trial of `plan`; its stderr goes to a capture when asked.
    static func start(_ plan: Plan, captureOutput: Bool, _ sys: some CheckSystemCalls) -> Result<Trial, Failure> {
        let records: Int32
        switch sys.anonymousFile("swift-unshare-check") {
        case .failure(let e): return .failure(Failure(.call("memfd_create"), e))
        case .success(let fd): records = fd
        }
        var capture: Int32?
        if captureOutput {
            switch sys.anonymousFile("swift-unshare-check-output") {
            case .failure(let e):
                sys.close(records)
                return .failure(Failure(.call("memfd_create"), e))
            case .success(let fd): capture = fd
            }
        }
        var trial = Trial(
            plan: plan, tried: plan, pid: 0, records: records, capture: capture, substitutes: [], directory: nil)
        if case .failure(let f) = substitute(&trial, sys) {
            cleanUp(trial, sys)
            return .failure(f)
        }
        switch sys.fork() {
        case .failure(let e):
            cleanUp(trial, sys)
            return .failure(Failure(.call("fork"), e))
        case .success(0):
            if let capture { _ = sys.duplicate(capture, onto: 2) }
            sys.exitNow(self.trial(trial.tried, pid: getpid(), records: records, sys))
        case .success(let pid):
            trial.pid = pid
            return .success(trial)
        }
    }

    /// Waits for every trial and for whatever they left (as their subreaper),
    /// then reads what each wrote back and removes its temporary files.
    static func finish(_ trials: [Trial], _ sys: some CheckSystemCalls) -> [CheckResult] {
        let endings = trials.map { trial -> ProcessEnding in
            (try? sys.wait(trial.pid).get()) ?? .exited(1)
        }
        while sys.waitAny() != nil {}  // orphans of the trials, reparented here
        return zip(trials, endings).map { trial, ending in
            defer { cleanUp(trial, sys) }
            let text = (try? sys.contents(trial.records).get()) ?? []
            var steps = CheckRecord.outcomes(text, count: trial.plan.steps.count)
            for i in steps.indices {
                guard case .failed(var f) = steps[i], var message = f.message else { continue }
                for s in trial.substitutes { message = replacing(s.temporary, with: s.real.file, in: message) }
                f.message = message
                steps[i] = .failed(f)
            }
            let output = trial.capture.flatMap { try? sys.contents($0).get() } ?? []
            return CheckResult(
                plan: trial.plan, pid: trial.pid, steps: steps, ending: ending, output: output,
                substituted: trial.substitutes.map(\.real))
        }
    }

    /// The trial's side, in the forked child: every step the command would
    /// take, each one's outcome written back, up to the exec, which is looked
    /// up instead; the status this process ends with (a fork parent ends as
    /// its child did, as the command's does).
    static func trial<S: CheckSystemCalls>(_ plan: Plan, pid: Int32, records: Int32, _ sys: S) -> Int32 {
        var executor = Executor(plan: plan, pid: pid, system: sys)
        _ = sys.defaultSignal(SIGCHLD)  // as the executor's run does
        for (index, step) in plan.steps.enumerated() {
            let ending: Ending?
            switch step {
            case .exec(let command):
                ending = sys.probeExecutable(command[0], search: true).map {
                    .failure(Executor<S>.execFailure(command[0], $0))
                }
            case .execShell(let environment):
                let shell = executor.loginShell(environment)
                ending = sys.probeExecutable(shell, search: false).map { .failure(Executor<S>.execFailure(shell, $0)) }
            default:
                ending = executor.perform(step)
            }
            switch ending {
            case nil:
                _ = sys.writeAll(records, CheckRecord.line(index, .ok))
            case .exit(let status)?:
                return status  // a fork parent, once its child (which went on with the steps) ended
            case .failure(let failure)?:
                _ = sys.writeAll(records, CheckRecord.line(index, .failed(CheckFailure(failure))))
                return failure.exitCode
            }
        }
        return 0
    }

    /// Persistent namespaces are bound onto a temporary file instead of their
    /// target when the target is there and not a directory (the bind could
    /// succeed, and must not be kept); onto a missing target or a directory
    /// the bind fails as the command's would, and nothing is mounted.
    static func substitute(_ trial: inout Trial, _ sys: some CheckSystemCalls) -> Result<Void, Failure> {
        var map: [ByteString: ByteString] = [:]
        for target in trial.tried.persistTargets {
            guard case .success(let facts) = sys.stat(target.file, followLinks: true), !facts.isDirectory else {
                continue
            }
            if trial.directory == nil {
                let tmp = PodmanStorage.nonEmpty(sys.variable("TMPDIR")) ?? "/tmp"
                switch sys.makeTemporaryDirectory(tmp + "/swift-unshare-check-") {
                case .failure(let e): return .failure(Failure(.call("mkdtemp"), e))
                case .success(let dir): trial.directory = dir
                }
            }
            let file = (trial.directory ?? "") + "/\(target.namespace)"
            switch sys.create(file, O_RDONLY, 0o600) {
            case .failure(let e): return .failure(Failure(.openFile(file), e))
            case .success(let fd): sys.close(fd)
            }
            trial.substitutes.append((target, file))
            map[target.file] = file
        }
        trial.tried = trial.tried.replacingPersistTargets(map)
        return .success(())
    }

    /// `text` with every `old` in it replaced by `new` (a temporary file's
    /// path in a message, by the target the command would bind onto).
    static func replacing(_ old: ByteString, with new: ByteString, in text: ByteString) -> ByteString {
        let (bytes, pattern) = (text.bytes, old.bytes)
        guard !pattern.isEmpty else { return text }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes.count - i >= pattern.count && Array(bytes[i..<(i + pattern.count)]) == pattern {
                out += new.bytes
                i += pattern.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return ByteString(out)
    }

    /// Closes a trial's files and removes its temporary ones (unmounted first).
    static func cleanUp(_ trial: Trial, _ sys: some CheckSystemCalls) {
        sys.close(trial.records)
        if let capture = trial.capture { sys.close(capture) }
        for s in trial.substitutes {
            _ = sys.unmount(s.temporary)
            _ = sys.unlink(s.temporary)
        }
        if let dir = trial.directory { _ = sys.removeDirectory(dir) }
    }
}

extension Plan {
    /// The same plan with persistent targets renamed (`map`: old file → new file).
    func replacingPersistTargets(_ map: [ByteString: ByteString]) -> Plan {
        guard !map.isEmpty else { return self }
        func renamed(_ targets: [PersistTarget]) -> [PersistTarget] {
            targets.map { PersistTarget(namespace: $0.namespace, file: map[$0.file] ?? $0.file) }
        }
        return Plan(
            steps: steps.map { step in
                switch step {
                case .startBindHelper(let targets): return .startBindHelper(renamed(targets))
                case .persist(.bindDirectly(let targets)): return .persist(.bindDirectly(renamed(targets)))
                case .fork(let kill, let forward, .bindDirectly(let targets)?):
                    return .fork(killChild: kill, forwardSignals: forward, persist: .bindDirectly(renamed(targets)))
                default: return step
                }
            })
    }
}
