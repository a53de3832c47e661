// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

extension UnshareCommand {
    /// Starts the program in its new namespaces with its maps written, and
    /// returns once it has executed (or throws why it could not). Safe to call
    /// from any thread, many at once; blocks the calling thread for the clone,
    /// the map writing (newuidmap/newgidmap included) and the exec.
    ///
    /// Throws a `SpawnError`: `.request` (a bad description, nothing
    /// started), `.clone`, `.idMap`, `.setup`, `.notFound` (127),
    /// `.notExecutable` (126), each with unshare(1)'s message.
    ///
    /// Corresponds to `unshare [options] program [arguments]` without
    /// `--fork`: the program itself is the process in the new namespaces.
    public func spawn() throws(SpawnError) -> UnsharedProcess {
        let plan: SpawnPlan
        // Resolving reads files and looks names up, which may set errno on
        // the way; the caller's errno is left as it was.
        switch keepingErrno({ SpawnPlan.resolve(self, context: LiveSystem()) }) {
        case .failure(let f): throw SpawnError(.request, strategy: .none, failure: f)
        case .success(let p): plan = p
        }
        return try Spawner(command: self, plan: plan).run()
    }
}

/// One clone request, handed to whichever thread clones.
final class CloneCall: @unchecked Sendable {
    var attr: cu_spawn_attr
    var handle = cu_spawn_handle(pid: 0, pidfd: -1, release_fd: -1, report_fd: -1, region: nil, region_len: 0)
    var err: Int32 = 0
    init(_ attr: cu_spawn_attr) { self.attr = attr }

    func start() -> Bool {
        switch nothingOrErrno(retryOnInterrupt: false, { cu_spawn_start(&attr, &handle) }) {
        case .success: return true
        case .failure(let e):
            err = e.rawValue
            return false
        }
    }
}

/// The parent side of a spawn: prepare, clone, write the maps, release the
/// child, wait for its exec (docs/library.md, "Order of a spawn").
struct Spawner {
    let command: UnshareCommand
    let plan: SpawnPlan

    func run() throws(SpawnError) -> UnsharedProcess {
        // The child reads these buffers until it has exec'd or exited (it
        // shares this process's memory): kept to the end of this call, which
        // returns only after the report pipe's end of file.
        let arena = CArena()
        defer { withExtendedLifetime(arena) {} }
        let environment = command.environment ?? Self.callerEnvironment()
        let argv = [command.argv0 ?? command.executable] + command.arguments
        let call = CloneCall(
            cu_spawn_attr(
                clone_flags: UInt64(UInt32(bitPattern: Namespace.flags(plan.namespaces))),
                unshare_flags: 0,
                wait_for_parent: plan.strategy == .privilegedHelper || plan.strategy == .newIDMapHelpers ? 1 : 0,
                writes: arena.writes(plan.childWrites), write_count: plan.childWrites.count,
                propagation: plan.propagation,
                stdio: (
                    Self.fd(command.standardInput), Self.fd(command.standardOutput), Self.fd(command.standardError)
                ),
                workdir: command.workingDirectory.map { UnsafePointer(arena.string($0)) },
                paths: arena.array(ExecPath.candidates(command.executable, path: Self.path(in: environment))),
                argv: arena.array(argv), sh_argv: arena.slots(argv.count + 2), envp: arena.array(environment),
                pdeath_signal: command.parentDeathSignal ?? 0,
                parent_pidfd: command.parentDeathSignal == nil ? -1 : cu_spawn_own_pidfd(),
                parent_pid: getpid(), force_fallback: command._forceCloneFallback ? 1 : 0,
                new_session: command.newSession ? 1 : 0, ignored_signals: Self.bits(command.ignoredSignals),
                blocked_signals: Self.bits(command.blockedSignals),
                keep_fds: command._keepInheritedDescriptors ? 1 : 0, no_sh_retry: command._noShellRetry ? 1 : 0,
                idle_name: command._idleNameWhenNoProgram.map { UnsafePointer(arena.string($0)) }, guard_helper: 0))
        defer { if call.attr.parent_pidfd >= 0 { close(call.attr.parent_pidfd) } }

        // Kill on parent death follows the thread that cloned: clone on one
        // that lives as long as the process (the calling one, when it says so).
        let here = command.parentDeathSignal == nil || command._cloneOnCallingThread
        let started = here ? call.start() : ProcessWatcher.shared.onThread { call.start() }
        guard started else {
            let what: ByteString = plan.namespaces.isEmpty ? "fork failed" : "unshare failed"
            throw .system(.clone, plan.strategy, what, Errno(call.err))
        }
        var handle = call.handle
        let pid = handle.pid

        var failure: SpawnError?
        switch plan.strategy {
        case .privilegedHelper: failure = writeMaps(pid: pid)
        case .newIDMapHelpers:
            failure = IDMapperRun(
                plan: plan, target: pid, paths: command._idMapperPaths, words: command._idMapperArguments
            ).run()
        case .none, .selfWrite: break  // the child writes its own maps, if any
        }
        let released = nothingOrErrno(retryOnInterrupt: false) { cu_spawn_release(&handle, failure == nil ? 1 : 0) }
        if case .failure(let e) = released, failure == nil {
            failure = .system(.idMap, plan.strategy, "cannot release the child", e)
        }
        var report = cu_report()
        var finished: Int32 = 0
        switch valueOrErrno(retryOnInterrupt: false, { cu_spawn_finish(&handle, &report) }) {
        case .success(let n): finished = n
        case .failure(let e):
            if failure == nil { failure = .system(.setup, plan.strategy, "cannot read the child's report", e) }
        }
        if failure == nil && finished == 1 { failure = childFailure(report) }
        if let failure {
            var exited: Int32 = 0
            var value: Int32 = 0
            _ = cu_spawn_wait(handle.pidfd, pid, 0, &exited, &value, nil)  // it has ended or is ending
            cu_spawn_free(&handle)  // reaped: its mapping is nobody's now
            if handle.pidfd >= 0 { close(handle.pidfd) }
            throw failure
        }
        return UnsharedProcess(pid: pid, pidfd: handle.pidfd, strategy: plan.strategy)
    }

    /// Signals 1...64 as the C side's bit set (bit s - 1 for signal s); the
    /// request was checked (SpawnPlan) before this.
    static func bits(_ signals: Set<Int32>) -> UInt64 {
        signals.reduce(0) { $0 | ((1...64).contains($1) ? UInt64(1) << UInt64($1 - 1) : 0) }
    }

    /// The child's failed step in util-linux's words.
    func childFailure(_ r: cu_report) -> SpawnError {
        let e = Errno(r.err)
        let s = plan.strategy
        let write = Int(r.index) < plan.childWrites.count ? plan.childWrites[Int(r.index)].path : ""
        switch UInt32(r.step) {
        case CU_SPAWN_STEP_PDEATHSIG.rawValue: return .system(.setup, s, "prctl failed", e)
        case CU_SPAWN_STEP_OPEN.rawValue: return .system(.setup, s, "cannot open \(write)", e)
        case CU_SPAWN_STEP_WRITE.rawValue: return .system(.setup, s, "write failed \(write)", e)
        case CU_SPAWN_STEP_UNSHARE.rawValue: return .system(.clone, s, "unshare failed", e)
        case CU_SPAWN_STEP_PROPAGATION.rawValue:
            return .system(.setup, s, "cannot change root filesystem propagation", e)
        case CU_SPAWN_STEP_STDIO.rawValue: return .system(.setup, s, "cannot set up descriptor \(r.index)", e)
        case CU_SPAWN_STEP_SESSION.rawValue: return .system(.setup, s, "setsid failed", e)
        case CU_SPAWN_STEP_CHDIR.rawValue:
            return .system(.setup, s, "cannot change directory to \(command.workingDirectory ?? "")", e)
        case CU_SPAWN_STEP_EXEC.rawValue:
            let missing = e.rawValue == ENOENT
            return .system(
                missing ? .notFound : .notExecutable, s, "failed to execute \(command.executable)", e,
                exitCode: missing ? 127 : 126)
        default: return .system(.setup, s, "child setup failed (step \(r.step))", e)
        }
    }

    /// Effective uid 0 with ranges: the maps go straight into /proc/<pid>/.
    /// The pid cannot be reused meanwhile: the child is ours and not reaped.
    func writeMaps(pid: pid_t) -> SpawnError? {
        for (name, lines) in [("uid_map", plan.uidMap), ("gid_map", plan.gidMap)] {
            guard let lines else { continue }
            let path: ByteString = "/proc/\(pid)/\(name)"
            let opened = valueOrErrno { path.withCString { open($0, O_WRONLY | O_CLOEXEC) } }
            guard case .success(let fd) = opened else {
                if case .failure(let e) = opened { return .system(.idMap, plan.strategy, "failed to open \(path)", e) }
                return nil
            }
            defer { close(fd) }
            if case .failure(let e) = Sys.writeAll(fd, IDRange.mapText(lines).bytes) {
                return .system(.idMap, plan.strategy, "failed to write \(path)", e)
            }
        }
        return nil
    }

    static func fd(_ io: StandardIO) -> Int32 {
        if case .fd(let n) = io { return n }
        return -1
    }

    /// The caller's environment, copied now.
    static func callerEnvironment() -> [ByteString] {
        var result: [ByteString] = []
        var p = environ
        while let entry = p.pointee {
            result.append(ByteString(cString: entry))
            p += 1
        }
        return result
    }

    /// The value of PATH in an environment list.
    static func path(in environment: [ByteString]) -> ByteString? {
        let prefix: ByteString = "PATH="
        guard let entry = environment.first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return ByteString(Array(entry.bytes.dropFirst(prefix.bytes.count)))
    }
}
