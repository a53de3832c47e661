// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// A helper forked before unshare, with what its messages need.
package struct RunningHelper: Equatable, Sendable {
    package var handle: HelperHandle
    /// The program it runs (or what it is), for "terminated by signal" messages.
    package var name: ByteString
    /// The objects its report steps name (map file, program, "source on target" per index).
    package var objects: [ByteString]
}

/// The id-map and persistence helpers: forked before unshare (they stay in
/// the original namespaces), released after it, waited for in order.
package enum IDMapHelpers {
    /// Forks the map helpers for `target` (this process, `pid`).
    ///
    /// Unprivileged, newuidmap and newgidmap are two children of this process,
    /// forked here and released together, so they run at the same time; each
    /// waits for its release byte, then execs its tool. newgidmap's stderr is
    /// held in a pipe and printed only if newuidmap succeeded, so what the user
    /// sees is what util-linux (newuidmap, then newgidmap) prints.
    package static func start(
        _ helper: MapHelper, target pid: Int32,
        _ sys: some SystemCalls
    ) -> Result<[RunningHelper], Failure> {
        switch helper {
        case .privileged(let uid, let gid):
            let dir: ByteString = "/proc/\(pid)"
            // Hold the target by a directory fd: no pid is named after this.
            let dirfd: Int32
            switch sys.open(dir, cu_O_PATH | O_DIRECTORY | O_CLOEXEC) {
            case .failure(let e): return .failure(Failure(.openFile(dir), e))
            case .success(let fd): dirfd = fd
            }
            defer { sys.close(dirfd) }
            let spawned = sys.spawnMapWriter(
                target: pid, procDirFD: dirfd, uidMap: uid.map(IDRange.mapText),
                gidMap: gid.map(IDRange.mapText))
            return spawned.map {
                [RunningHelper(handle: $0, name: "map helper", objects: ["\(dir)/uid_map", "\(dir)/gid_map"])]
            }
            .mapError { Failure(.call("fork"), $0) }
        case .newIDMap(let uid, let gid):
            // -1 on kernels without pidfds: the helpers' ppid check remains.
            let pidfd = (try? sys.pidfdOpen(pid).get()) ?? -1
            defer { if pidfd >= 0 { sys.close(pidfd) } }
            // (Appended one by one: a list of the two tools' tuples would be
            // types the runtime makes at every --map-auto start.)
            var requests: [IDMapperRequest] = []
            if let uid {
                requests.append(IDMapperRequest(.executeNewuidmap, argv: idmapperArguments("newuidmap", pid: pid, uid)))
            }
            if let gid {
                requests.append(IDMapperRequest(.executeNewgidmap, argv: idmapperArguments("newgidmap", pid: pid, gid)))
            }
            guard !requests.isEmpty else { return .success([]) }
            return sys.spawnIDMappers(requests, target: pid, targetPidfd: pidfd)
                .map { handles in
                    zip(handles, requests).map { RunningHelper(handle: $0, name: $1.argv[0], objects: [$1.argv[0]]) }
                }
                .mapError { Failure(.call("fork"), $0) }
        }
    }

    /// `newuidmap <pid> inner outer count ...`
    static func idmapperArguments(_ tool: ByteString, pid: Int32, _ lines: [IDRange]) -> [ByteString] {
        [tool, "\(pid)"] + lines.flatMap { [ByteString("\($0.inner)"), "\($0.outer)", "\($0.count)"] }
    }

    /// Forks the persistence helper: it binds /proc/<pid>/ns/* onto the targets.
    package static func startBind(
        _ targets: [PersistTarget], target pid: Int32,
        _ sys: some SystemCalls
    ) -> Result<RunningHelper, Failure> {
        let sources = bindSources(targets, pid: pid)
        return sys.spawnBindHelper(target: pid, sources: sources, targets: targets.map(\.file))
            .map {
                RunningHelper(
                    handle: $0, name: "bind helper", objects: zip(sources, targets).map { "\($0) on \($1.file)" })
            }
            .mapError { Failure(.call("fork"), $0) }
    }

    static func bindSources(_ targets: [PersistTarget], pid: Int32) -> [ByteString] {
        targets.map { "/proc/\(pid)/\($0.namespace.procFile)" }
    }

    /// Releases every helper at once, then waits for each in order. The first
    /// failure is ours, with the helper's exit status (1 for a signal); held
    /// stderr is printed only while every earlier helper succeeded.
    package static func release(_ helpers: [RunningHelper], _ sys: some SystemCalls) -> Failure? {
        var failure: Failure?
        for helper in helpers {
            if case .failure(let e) = sys.releaseHelper(helper.handle), failure == nil {
                failure = Failure(.call("waitpid"), e)
            }
        }
        for helper in helpers {
            var held: [UInt8] = []
            if helper.handle.stderrFD >= 0 {
                held = (try? sys.readAll(helper.handle.stderrFD).get()) ?? []
                sys.close(helper.handle.stderrFD)
            }
            let waited = sys.waitHelper(helper.handle)
            if failure != nil { continue }  // reap the rest, say nothing more
            if !held.isEmpty { _ = sys.writeAll(2, held) }
            switch waited {
            case .failure(let e): failure = Failure(.call("waitpid"), e)
            case .success(let (end, report)): failure = helperFailure(helper, end, report)
            }
        }
        return failure
    }

    /// The failure a helper's end and report stand for (nil: it succeeded).
    static func helperFailure(_ helper: RunningHelper, _ end: ProcessEnding, _ report: HelperReport?) -> Failure? {
        let code: Int32
        switch end {
        case .exited(0): return nil
        case .exited(let status): code = status
        case .signaled(let signal):
            if report == nil { return Failure(.helperKilled(tool: helper.name, signal: signal)) }
            code = 1
        }
        guard let report else { return Failure(.helperExited(tool: helper.name, status: code), exitCode: code) }
        let object: ByteString
        switch report.step {
        case .openUIDMap, .writeUIDMap: object = helper.objects[0]
        case .openGIDMap, .writeGIDMap: object = helper.objects.count > 1 ? helper.objects[1] : ""
        case .executeNewuidmap, .executeNewgidmap: object = helper.objects.first ?? ""
        case .bind: object = report.index < helper.objects.count ? helper.objects[report.index] : ""
        }
        return Failure(.helper(report.step, object: object), report.errno, exitCode: code)
    }
}
