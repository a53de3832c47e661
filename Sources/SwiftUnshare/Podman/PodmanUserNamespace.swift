// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Making rootless podman's user namespace when no pause process holds it, as
/// podman 4.3.1 does: newuidmap, then newgidmap, write the subordinate ranges
/// (their output is logged when they fail, and podman then stops with exit
/// status 1: it never falls back while ranges are configured); with no
/// ranges, the single mapping with setgroups `deny`. This process itself
/// moves into the new namespaces (a runner forked beforehand runs the tools
/// for it); the pause process is started from there.
extension PodmanUserNamespace {
    /// podman's wrapping of a failure to set up the namespace.
    static func internalStatus(_ reason: ByteString) -> PodmanLogLine {
        PodmanLogLine(
            .error, "invalid internal status, try resetting the pause process with \"podman system migrate\": \(reason)"
        )
    }

    /// Makes the namespaces and moves this process into them; logs podman's messages.
    func make(uid: UInt32, gid: UInt32) -> Result<Void, Failure> {
        PodmanLog.emit(PauseProcess.sharedRootWarning() + messages)
        switch maps {
        case .single(let uid, let gid):
            if let e = unshareUserAndMount() { return .failure(e) }
            return writeSingleMaps(uid: uid, gid: gid)
        case .ranges(let uidLines, let gidLines):
            return makeWithTools(uidLines: uidLines, gidLines: gidLines)
        }
    }

    private func unshareUserAndMount() -> Failure? {
        guard case .failure(let e) = Sys.unshare(cu_CLONE_NEWUSER | cu_CLONE_NEWNS) else { return nil }
        PodmanIO.write(2, "cannot clone: \(e)\n")
        return .podmanLogged([Self.internalStatus("cannot re-exec process")])
    }

    private func writeSingleMaps(uid: UInt32, gid: UInt32) -> Result<Void, Failure> {
        for (file, text, what) in [
            ("/proc/self/setgroups", "deny\n", "setgroups file"),
            ("/proc/self/uid_map", "0 \(uid) 1\n", "uid_map"),
            ("/proc/self/gid_map", "0 \(gid) 1\n", "gid_map"),
        ] {
            if case .failure(let e) = PodmanIO.writeFile(ByteString(file), ByteString(text)) {
                return .failure(
                    .podmanLogged([
                        Self.internalStatus("cannot write \(what): open \(file): \(GoText.errnoText(e.rawValue))")
                    ]
                    ))
            }
        }
        return .success(())
    }

    /// One tool to run: its path and arguments, or why it cannot run.
    private struct Tool {
        var name: ByteString
        var setid: (mode: UInt32, cap: Int32, word: ByteString)
        var path: ByteString?
        var argv: [ByteString] = []
        var problem: ByteString?
    }

    private func makeWithTools(uidLines: [PodmanIDMaps.Line], gidLines: [PodmanIDMaps.Line]) -> Result<
        Void, Failure
    > {
        let pid = getpid()
        let pathVar = getenv("PATH").map { ByteString(cString: $0) }
        var tools = [
            Tool(name: "newuidmap", setid: (UInt32(S_ISUID), 7, "setuid")),
            Tool(name: "newgidmap", setid: (UInt32(S_ISGID), 6, "setgid")),
        ]
        for (i, lines) in [uidLines, gidLines].enumerated() {
            switch GoExec.lookPath(tools[i].name, path: pathVar, isExecutableFile: GoExec.isExecutableFile) {
            case .failure(let e):
                tools[i].problem = "command required for rootless mode with multiple IDs: \(e.message ?? "")"
            case .success(let path):
                tools[i].path = path
                tools[i].argv = [path, "\(pid)"] + PodmanIDMaps.arguments(lines)
            }
            if tools[i].problem == nil { tools[i].problem = refusals[i] }
        }
        // podman stops at the first tool it cannot run; the ones before it run.
        let runnable = tools.prefix(while: { $0.problem == nil })
        if runnable.isEmpty { return .failure(.podmanLogged([Self.internalStatus(tools[0].problem ?? "")])) }

        let devnull = (try? Sys.open("/dev/null", O_RDWR | O_CLOEXEC).get()) ?? -1
        defer { if devnull >= 0 { Sys.close(devnull) } }
        let pidfd = (try? Sys.pidfdOpen(pid).get()) ?? -1
        defer { if pidfd >= 0 { Sys.close(pidfd) } }
        func spec(_ t: Tool?) -> cu_map_tool {
            guard let t, let path = t.path else { return cu_map_tool(path: nil, argv: nil) }
            return cu_map_tool(path: CArrays.string(path), argv: CArrays.array(t.argv))
        }
        var runner = cu_map_runner(
            target: pid, target_pidfd: pidfd, uid: spec(runnable.first),
            gid: spec(runnable.count > 1 ? runnable[1] : nil),
            envp: CArrays.array(GoExec.environment(adding: [])), devnull: devnull)
        guard case .success(var handle) = Sys.spawnMapRunner(&runner) else {
            return .failure(.podmanLogged([Self.internalStatus("cannot re-exec process")]))
        }
        if let e = unshareUserAndMount() {
            Sys.close(handle.release_fd)
            Sys.close(handle.report_fd)
            _ = Sys.wait(handle.pid)
            return .failure(e)
        }
        _ = cu_release_map_runner(&handle)
        var failure: Failure?
        for tool in runnable {
            guard let (record, output) = PodmanIO.readCaptured(handle.report_fd) else { break }
            if record.exec_err == 0 && record.status == 0 { continue }
            failure = toolFailure(tool, record: record, output: output)
            break
        }
        Sys.close(handle.report_fd)
        _ = Sys.wait(handle.pid)
        if let failure { return .failure(failure) }
        if runnable.count < tools.count, let problem = tools[runnable.count].problem {
            return .failure(.podmanLogged([Self.internalStatus(problem)]))
        }
        return .success(())
    }

    /// podman's two log lines for a tool that failed.
    private func toolFailure(_ tool: Tool, record: cu_captured, output: [UInt8]) -> Failure {
        let path = tool.path ?? tool.name
        var lines = [PodmanLogLine(.error, "running `" + ByteString.join(tool.argv, " ") + "`: " + ByteString(output))]
        var reason: ByteString = "cannot set up namespace using \(GoText.quote(path))"
        switch PodmanIO.isSetID(path, mode: tool.setid.mode, capability: tool.setid.cap) {
        case .failure(let e):
            lines.append(
                PodmanLogLine(
                    .error,
                    "Failed to check for \(tool.setid.word) on \(path): stat \(path): \(GoText.errnoText(e.rawValue))"))
        case .success(false):
            reason = reason + ": should have \(tool.setid.word) or have filecaps \(tool.setid.word)"
        case .success(true):
            break
        }
        let cause: ByteString =
            record.exec_err != 0
            ? "fork/exec \(path): \(GoText.errnoText(record.exec_err))" : GoExec.stateText(record.status)
        lines.append(Self.internalStatus(reason + ": " + cause))
        return .podmanLogged(lines)
    }
}
