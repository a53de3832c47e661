// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// The report's facts on the real machine: what LiveSystem reads, and the
/// trials and probes, each in a throwaway child of this (single-threaded)
/// process through the CheckSystemCalls seam. Every child ends before its
/// answer is read; the process that asks is their subreaper.
package struct LiveMachine: MachineFacts {
    let system: LiveSystem
    let sys: LiveSystemCalls

    package init(system: LiveSystem, sys: LiveSystemCalls) {
        self.system = system
        self.sys = sys
    }

    // MARK: What LiveSystem reads

    package var euid: UInt32 { system.euid }
    package var egid: UInt32 { system.egid }
    package func user(named name: ByteString) -> PasswdEntry? { system.user(named: name) }
    package func user(id: UInt32) -> PasswdEntry? { system.user(id: id) }
    package func groupID(named name: ByteString) -> UInt32? { system.groupID(named: name) }
    package func readFile(_ path: String) -> Result<[UInt8], Errno> { system.readFile(path) }
    package func environment(_ name: String) -> ByteString? { system.environment(name) }
    package func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        system.libsubidRanges(owner: owner, users: users)
    }
    package func sysctl(_ name: String) -> ByteString? { system.sysctl(name) }
    package var noNewPrivs: Bool { system.noNewPrivs }
    package func mapHelper(_ name: ByteString) -> MapHelperFacts { system.mapHelper(name) }
    package func pathExists(_ path: String) -> Bool { system.pathExists(path) }

    // MARK: Trials and probes

    /// Every trial forked first, then all waited for: they run side by side.
    package func trials(_ probes: [ReportProbe]) -> [CheckResult?] {
        var started: [(Int, CommandCheck.Trial)] = []
        for (i, probe) in probes.enumerated() {
            if case .success(let trial) = CommandCheck.start(probe.plan, captureOutput: true, sys) {
                started.append((i, trial))
            }
        }
        var results = [CheckResult?](repeating: nil, count: probes.count)
        for ((i, _), result) in zip(started, CommandCheck.finish(started.map(\.1), sys)) { results[i] = result }
        return results
    }

    /// A child makes user namespaces one inside the other, each with its
    /// single map written (a namespace may be made only by an id mapped in
    /// its parent), until one is refused: how many it made, and why it stopped.
    package func nestingLeft() -> (count: Int, stop: Errno?) {
        let answer = throwaway { () -> [UInt8] in
            var count = 0
            var stop: Errno?
            var uid = geteuid()
            var gid = getegid()
            while count < 40 {
                if case .failure(let e) = sys.unshare(cu_CLONE_NEWUSER) {
                    stop = e
                    break
                }
                count += 1
                for (file, text) in [
                    ("/proc/self/uid_map", "0 \(uid) 1"), ("/proc/self/setgroups", "deny"),
                    ("/proc/self/gid_map", "0 \(gid) 1"),
                ] {
                    _ = ProcFiles.write(
                        ByteString(file), ByteString(text), ignoreMissing: file.hasSuffix("setgroups"), sys)
                }
                (uid, gid) = (0, 0)
            }
            return Array("\(count) \(stop?.rawValue ?? 0)".utf8)
        }
        let fields = String(decoding: answer ?? [], as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
        guard fields.count == 2 else { return (0, nil) }
        return (Int(fields[0]), fields[1] == 0 ? nil : Errno(fields[1]))
    }

    package func usage(of path: ByteString) -> ByteString? {
        guard case .success(let devnull) = sys.open("/dev/null", O_RDWR | O_CLOEXEC) else { return nil }
        defer { sys.close(devnull) }
        guard case .success(let run) = sys.runCaptured(path, [path.basename], environment: [], devnull: devnull),
            run.execError == 0
        else { return nil }
        return ByteString(Array(run.output.prefix { $0 != 0x0a }))
    }

    package func podman(tryMaps: Bool) -> PodmanFacts {
        // The command does not matter here (podman wants one, or $SHELL).
        var facts = PodmanFacts(plan: PodmanPlan.build(PodmanOptions(command: ["true"]), context: system))
        let installed: ByteString = "/usr/libexec/podman/catatonit"
        facts.catatonit =
            sys.isExecutableFile(installed)
            ? installed
            : try? GoExec.lookPath("catatonit", path: sys.variable("PATH"), isExecutableFile: sys.isExecutableFile)
                .get()
        facts.slirp4netns = try? GoExec.lookPath(
            "slirp4netns", path: sys.variable("PATH"), isExecutableFile: sys.isExecutableFile
        ).get()
        switch sys.open("/dev/net/tun", O_RDWR | O_CLOEXEC) {
        case .success(let fd): sys.close(fd)
        case .failure(let e): facts.tun = e
        }
        guard case .success(let plan) = facts.plan else { return facts }
        facts.rootlessNetns = RootlessNetns.isNamespace(
            (plan.rootlessNetns ?? PodmanReport.rootlessNetnsPlan(plan)).path, sys)
        guard case .pause(let pidFile, let create) = plan.namespaces else { return facts }
        if let fds = PauseProcess.open(pidFile: pidFile, sys),
            case .success(let text) = PodmanIO.readFile(pidFile, sys), let pid = PauseProcess.goAtoi(text)
        {
            // Joined in a child, which then exits: this process stays where it is.
            let failure = throwaway { () -> [UInt8] in
                switch PauseProcess.join(fds, cwd: "/", sys) {
                case .success: return []
                case .failure(let f): return f.podmanText(errnoText: GoText.errnoText).bytes
                }
            }
            sys.close(fds.user)
            sys.close(fds.mnt)
            facts.pause = .running(
                pid: pid, failure: failure.map { $0.isEmpty ? nil : ByteString($0) } ?? "cannot fork")
            facts.pauseUIDMap = try? Sys.readFile("/proc/\(pid)/uid_map").get()
            facts.pauseGIDMap = try? Sys.readFile("/proc/\(pid)/gid_map").get()
        } else if tryMaps {
            // podman's maps on a pause process of its own, in a child whose
            // stderr is kept (podman's log lines), killed and reaped at once.
            let answer = throwaway(captureOutput: true) { () -> [UInt8] in
                guard case .success(let devnull) = sys.open("/dev/null", O_RDWR | O_CLOEXEC) else { return [1] }
                switch create.startPause(devnull: devnull, sys) {
                case .success(let pause):
                    PauseProcess.end(pause, sys)
                    return []
                case .failure(let f):
                    return f.podmanText(errnoText: GoText.errnoText).bytes
                }
            }
            facts.mapsTrial = answer.map { $0.isEmpty ? .worked : .failed(Failure.podman(ByteString($0))) }
        }
        return facts
    }

    /// Runs `body` in a forked child, which writes what it returns to a
    /// nameless file and exits; that answer, once the child and whatever it
    /// left have ended (nil when no child could be made). No other child of
    /// this process may be running meanwhile.
    func throwaway(captureOutput: Bool = false, _ body: () -> [UInt8]) -> [UInt8]? {
        guard case .success(let answer) = sys.anonymousFile("swift-unshare-check") else { return nil }
        defer { sys.close(answer) }
        let capture = captureOutput ? try? sys.anonymousFile("swift-unshare-check-output").get() : nil
        defer { if let capture { sys.close(capture) } }
        switch sys.fork() {
        case .failure:
            return nil
        case .success(0):
            if let capture { _ = sys.duplicate(capture, onto: 2) }
            _ = sys.writeAll(answer, body())
            sys.exitNow(0)
        case .success(let pid):
            _ = sys.wait(pid)
            while sys.waitAny() != nil {}  // what it left (the library's helpers), reparented here
            return try? sys.contents(answer).get()
        }
    }
}
