// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Unprivileged ranges: newuidmap and newgidmap, both at once, named the
/// child's pid (ours and unreaped, so it cannot be reused), their standard
/// output and error captured together, so that their own message becomes the
/// error's text and the whole run its `IDMapperReport`. Each runs under a
/// guard (the spawn's `guard_helper`): should this process die while one
/// hangs, the tool and whatever it started are killed.
struct IDMapperRun {
    let plan: SpawnPlan
    let target: pid_t
    /// The tools' paths, when the caller looked them up itself (podman mode).
    var paths: [ByteString]?
    /// The words after the pid, verbatim, when the caller gave them (podman mode).
    var words: [[ByteString]]?

    private struct Started {
        var tool: ByteString
        var argv: [ByteString]
        var handle: cu_spawn_handle
        var outputFD: Int32
        /// What the child reads until it has exec'd or exited (it shares our memory).
        var arena: CArena
    }

    func run() -> SpawnError? {
        var started: [Started] = []
        var failure: SpawnError?
        let tools: [(ByteString, [IDRange]?)] = [("newuidmap", plan.uidMap), ("newgidmap", plan.gidMap)]
        for (i, (tool, lines)) in tools.enumerated() {
            guard let lines, failure == nil else { continue }
            var argv = IDMapHelpers.idmapperArguments(tool, pid: target, lines)
            if let words, i < words.count { argv = [tool, "\(target)"] + words[i] }
            if let paths, i < paths.count { argv[0] = paths[i] }
            switch start(tool, argv) {
            case .success(let s): started.append(s)
            case .failure(let f): failure = f
            }
        }
        for s in started {  // uid before gid: the first failure is the one reported
            let f = finish(s)
            if failure == nil { failure = f }
        }
        return failure
    }

    private func start(_ tool: ByteString, _ argv: [ByteString]) -> Result<Started, SpawnError> {
        var pipe: [Int32] = [-1, -1]
        if case .failure(let e) = nothingOrErrno({ cu_spawn_pipe(&pipe, 0) }) {
            return .failure(.system(.idMap, plan.strategy, "pipe failed", e))
        }
        let arena = CArena()
        let path = getenv("PATH").map { ByteString(cString: $0) }
        let candidates = paths != nil ? [argv[0]] : keepingErrno { ExecPath.presentCandidates(tool, path: path) }
        var attr = cu_spawn_attr(
            clone_flags: 0, unshare_flags: 0, wait_for_parent: 0, writes: nil, write_count: 0, propagation: 0,
            stdio: (-1, pipe[1], pipe[1]), workdir: nil,
            paths: arena.array(candidates), argv: arena.array(argv),
            sh_argv: arena.slots(argv.count + 2), envp: arena.array(Spawner.callerEnvironment()),
            pdeath_signal: 0, parent_pidfd: -1, parent_pid: getpid(), force_fallback: 0,
            new_session: 0, ignored_signals: 0, blocked_signals: 0, keep_fds: 0,
            no_sh_retry: paths != nil ? 1 : 0, idle_name: nil, guard_helper: 1)
        var handle = cu_spawn_handle(pid: 0, pidfd: -1, release_fd: -1, report_fd: -1, region: nil, region_len: 0)
        let started = nothingOrErrno(retryOnInterrupt: false) { cu_spawn_start(&attr, &handle) }
        close(pipe[1])
        if case .failure(let e) = started {
            close(pipe[0])
            return .failure(.system(.idMap, plan.strategy, "fork failed", e))
        }
        return .success(Started(tool: tool, argv: argv, handle: handle, outputFD: pipe[0], arena: arena))
    }

    private func finish(_ s: Started) -> SpawnError? {
        var handle = s.handle
        var report = cu_report()
        // The output first: the guard holds the report pipe until the tool
        // has ended, and a tool writing more than a pipe holds would wait for us.
        let output = ByteString((try? Sys.readAll(s.outputFD).get()) ?? [])
        close(s.outputFD)
        let finished = cu_spawn_finish(&handle, &report)
        var exited: Int32 = 0
        var value: Int32 = 0
        var dumped: Int32 = 0
        let waited = valueOrErrno { cu_spawn_wait(handle.pidfd, handle.pid, 0, &exited, &value, &dumped) }
        cu_spawn_free(&handle)  // reaped (and the report pipe ended): the mapping is nobody's now
        withExtendedLifetime(s.arena) {}
        if handle.pidfd >= 0 { close(handle.pidfd) }
        var helper = IDMapperReport(tool: s.tool, arguments: s.argv, output: output, ending: nil)
        if finished == 1 {
            helper.execError = Errno(report.err)
        } else if case .failure(let e) = waited {
            return .system(.idMap, plan.strategy, "waitpid failed", e)
        } else {
            helper.ending = exited != 0 ? .exited(value) : .signaled(value)
            helper.coreDumped = dumped != 0
        }
        guard let failure = helper.failure else { return nil }
        return SpawnError(.idMap, strategy: plan.strategy, failure: failure, helper: helper)
    }
}
