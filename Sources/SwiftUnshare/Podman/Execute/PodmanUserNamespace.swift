// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Making rootless podman's user namespace when no pause process holds it, as
/// podman 4.3.1 does, through the library's spawn API: the pause process is
/// spawned in new user and mount namespaces with podman's maps, and this
/// process then joins it. newuidmap and newgidmap write the subordinate
/// ranges, given every line as podman gives it (their output is logged when
/// they fail, and podman then stops: it never falls back while ranges are
/// configured); with no ranges, the single mapping with setgroups `deny`.
extension PodmanUserNamespace {
    /// podman's wrapping of a failure to set up the namespace.
    static func internalStatus(_ reason: ByteString) -> PodmanLogLine {
        PodmanLogLine(
            .error, "invalid internal status, try resetting the pause process with \"podman system migrate\": \(reason)"
        )
    }

    /// A failure to set up the namespace as podman reports it: on its first
    /// run (no `alive` file) `lines` logged, then `Error: <reason>`, exit
    /// status 125; later, `lines` and the internal-status line, exit status 1.
    func setupFailure(_ reason: ByteString, logged lines: [PodmanLogLine] = []) -> Failure {
        firstRun ? .podman(reason, log: lines) : .podmanLogged(lines + [Self.internalStatus(reason)])
    }

    /// One tool to run: its path, or why it cannot run.
    private struct Tool {
        var name: ByteString
        var setid: (mode: UInt32, cap: Int32, word: ByteString)
        var path: ByteString?
        var problem: ByteString?
    }

    /// Logs podman's messages and starts the pause process (`PauseProcess.command`) with these maps.
    func startPause(devnull: Int32, _ sys: some PodmanSystemCalls) -> Result<UnsharedProcess, Failure> {
        PodmanLog.emit(PauseProcess.sharedRootWarning(sys) + messages, sys)
        var command = PauseProcess.command(devnull: devnull, sys)
        var tools: [Tool] = []
        var runnable = 0
        switch maps {
        case .single:
            command.idMapping = IDMapping(user: 0, group: 0)  // the caller's ids; setgroups deny
        case .ranges(let uidLines, let gidLines):
            tools = findTools(sys)
            // podman stops at the first tool it cannot run; the ones before it run.
            runnable = tools.prefix(while: { $0.problem == nil }).count
            if runnable == 0 { return .failure(setupFailure(tools[0].problem ?? "")) }
            // The library runs both tools at once; with newgidmap unusable,
            // only newuidmap runs, as in podman's own order. The mapping only
            // picks the strategy and the tools: their words are podman's lines.
            let single = { (lines: [PodmanIDMaps.Line]) in
                [IDRangeSource.range(inner: 0, outer: UInt32(clamping: lines.first?.outer ?? 0), count: 1)]
            }
            command.idMapping = IDMapping(
                userRanges: single(uidLines), groupRanges: runnable > 1 ? single(gidLines) : [])
            command._idMapperPaths = tools.prefix(runnable).compactMap(\.path)
            command._idMapperArguments = [PodmanIDMaps.arguments(uidLines), PodmanIDMaps.arguments(gidLines)]
        }
        let pause: UnsharedProcess
        switch sys.spawn(command) {
        case .failure(let error): return .failure(failure(error, tools: tools, sys))
        case .success(let p): pause = p
        }
        if runnable == 1, let problem = tools[1].problem {
            PauseProcess.end(pause, sys)
            return .failure(setupFailure(problem))
        }
        return .success(pause)
    }

    /// newuidmap and newgidmap as podman looks them up (exec.LookPath), with
    /// a configuration podman refuses counted as a problem of the tool.
    private func findTools(_ sys: some PodmanSystemCalls) -> [Tool] {
        let pathVar = sys.variable("PATH")
        var tools = [
            Tool(name: "newuidmap", setid: (UInt32(S_ISUID), 7, "setuid")),
            Tool(name: "newgidmap", setid: (UInt32(S_ISGID), 6, "setgid")),
        ]
        for i in tools.indices {
            switch GoExec.lookPath(tools[i].name, path: pathVar, isExecutableFile: { sys.isExecutableFile($0) }) {
            case .failure(let e):
                tools[i].problem = "command required for rootless mode with multiple IDs: \(e.message ?? "")"
            case .success(let path):
                tools[i].path = path
                tools[i].problem = refusals[i]
            }
        }
        return tools
    }

    /// A spawn that failed, in podman's words.
    private func failure(_ e: SpawnError, tools: [Tool], _ sys: some PodmanSystemCalls) -> Failure {
        if let report = e.helper, let tool = tools.first(where: { $0.name == report.tool }) {
            return toolFailure(tool, report, sys)
        }
        if e.stage == .clone {
            PodmanIO.write(2, "cannot clone: \(e.errno ?? Errno(0))\n", sys)
            return setupFailure("cannot re-exec process")
        }
        return setupFailure(e.failure.podmanText(errnoText: GoText.errnoText))
    }

    /// podman's two log lines for a tool that failed.
    private func toolFailure(_ tool: Tool, _ report: IDMapperReport, _ sys: some PodmanSystemCalls) -> Failure {
        let path = tool.path ?? tool.name
        var lines = [
            PodmanLogLine(.error, "running `" + ByteString.join(report.arguments, " ") + "`: " + report.output)
        ]
        var reason: ByteString = "cannot set up namespace using \(GoText.quote(path))"
        switch PodmanIO.isSetID(path, mode: tool.setid.mode, capability: tool.setid.cap, sys) {
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
        let cause: ByteString
        switch report.ending {
        case nil: cause = "fork/exec \(path): \(GoText.errnoText(report.execError?.rawValue ?? 0))"
        case .exited(let code)?: cause = GoExec.stateText(code << 8)
        case .signaled(let signal)?: cause = GoExec.stateText(signal | (report.coreDumped ? 0x80 : 0))
        }
        return setupFailure(reason + ": " + cause, logged: lines)
    }
}
