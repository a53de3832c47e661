// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Unprivileged ranges: newuidmap and newgidmap, both at once, named the
/// child's pid (ours and unreaped, so it cannot be reused), their standard
/// error captured so that their own message becomes the error's text.
struct IDMapperRun {
    let plan: SpawnPlan
    let target: pid_t

    private struct Started {
        var tool: ByteString
        var handle: cu_spawn_handle
        var stderrFD: Int32
    }

    func run() -> SpawnError? {
        var started: [Started] = []
        var failure: SpawnError?
        for (tool, lines) in [("newuidmap", plan.uidMap), ("newgidmap", plan.gidMap)] as [(ByteString, [IDRange]?)] {
            guard let lines, failure == nil else { continue }
            switch start(tool, IDMapHelpers.idmapperArguments(tool, pid: target, lines)) {
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
        var attr = cu_spawn_attr(
            clone_flags: 0, unshare_flags: 0, wait_for_parent: 0, writes: nil, write_count: 0, propagation: 0,
            stdio: (-1, -1, pipe[1]), workdir: nil,
            paths: arena.array(CArrays.presentPathCandidates(tool, path: path)), argv: arena.array(argv),
            sh_argv: arena.slots(argv.count + 2), envp: arena.array(Spawner.callerEnvironment()),
            pdeath_signal: 0, parent_pidfd: -1, parent_pid: getpid(), force_fallback: 0,
            new_session: 0, ignored_signals: 0, blocked_signals: 0)
        var handle = cu_spawn_handle(pid: 0, pidfd: -1, release_fd: -1, report_fd: -1)
        let started = nothingOrErrno(retryOnInterrupt: false) { cu_spawn_start(&attr, &handle) }
        close(pipe[1])
        if case .failure(let e) = started {
            close(pipe[0])
            return .failure(.system(.idMap, plan.strategy, "fork failed", e))
        }
        return .success(Started(tool: tool, handle: handle, stderrFD: pipe[0]))
    }

    private func finish(_ s: Started) -> SpawnError? {
        var handle = s.handle
        var report = cu_spawn_report()
        let finished = cu_spawn_finish(&handle, &report)
        let text = Self.readAll(s.stderrFD)
        close(s.stderrFD)
        var exited: Int32 = 0
        var value: Int32 = 0
        let waited = valueOrErrno { cu_spawn_wait(handle.pidfd, handle.pid, 0, &exited, &value) }
        if handle.pidfd >= 0 { close(handle.pidfd) }
        if finished == 1 {
            let e = Errno(report.err)
            return .system(
                .idMap, plan.strategy, "failed to execute \(s.tool)", e,
                exitCode: e.rawValue == ENOENT ? 127 : 126)
        }
        if case .failure(let e) = waited { return .system(.idMap, plan.strategy, "waitpid failed", e) }
        if exited != 0 && value == 0 { return nil }
        // The tool spoke for itself: its words (trailing newlines dropped) are the message.
        var message = ByteString(Array(text.bytes.reversed().drop(while: { $0 == 0x0a }).reversed()))
        if message.isEmpty {
            message = exited != 0 ? "\(s.tool) failed with exit status \(value)" : "\(s.tool) killed by signal \(value)"
        }
        return SpawnError(.idMap, strategy: plan.strategy, failure: Failure(message, exitCode: exited != 0 ? value : 1))
    }

    private static func readAll(_ fd: Int32) -> ByteString {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return ByteString(data) }
            data += chunk[..<n]
        }
    }
}
