// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Foundation
import Glibc
import SwiftUnshare
import SwiftUnshareAsync
import Testing

/// The library's spawn API, in this (threaded) test process as root,
/// and through Tests/SpawnProbe as root and as the unprivileged test user.
@Suite struct LibrarySpawnTests {
    static func line(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String {
        IDMapIntegrationTests.line(inner, outer, count)
    }

    /// spawn-probe, copied where every test user can run it.
    static let probe: String = {
        let built = URL(fileURLWithPath: Harness.builtBinary).deletingLastPathComponent()
            .appendingPathComponent("spawn-probe").path
        let target = Harness.binDir + "/spawn-probe"
        try? FileManager.default.removeItem(atPath: target)
        // (through a close-on-exec descriptor: see writeExecutable)
        Harness.writeExecutable(target, try! Data(contentsOf: URL(fileURLWithPath: built)))
        return target
    }()

    /// The first /etc/subuid or /etc/subgid range of `user`.
    static func subordinate(_ file: String, _ user: String) -> (start: UInt32, count: UInt32)? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for l in text.split(separator: "\n") {
            let f = l.split(separator: ":")
            if f.count == 3, f[0] == user, let s = UInt32(f[1]), let c = UInt32(f[2]) { return (s, c) }
        }
        return nil
    }

    /// Spawns `command` with its standard output on a pipe; returns what it
    /// printed, how it ended and the strategy.
    static func output(_ command: UnshareCommand) async throws -> (String, ProcessEnding, MapStrategy) {
        var fds: [Int32] = [-1, -1]
        #expect(cu_spawn_pipe(&fds, 0) == 0)
        var c = command
        c.standardOutput = .fd(fds[1])
        let child: UnsharedProcess
        do {
            child = try c.spawn()
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        let ending = try await child.wait()
        return (String(decoding: data, as: UTF8.self), ending, child.strategy)
    }

    static func cat(_ files: String...) -> UnshareCommand {
        UnshareCommand("cat", arguments: files.map { ByteString($0) })
    }

    // MARK: The three strategies, as root (in this process)

    @Test(.requiresRoot)
    func singleIDsAreWrittenByTheChild() async throws {
        var c = Self.cat("/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups")
        c.idMapping = IDMapping(user: 1000, group: 2000)
        let (out, ending, strategy) = try await Self.output(c)
        #expect(out == Self.line(1000, 0, 1) + Self.line(2000, 0, 1) + "deny\n")
        #expect(ending == .exited(0))
        #expect(strategy == .selfWrite)
    }

    @Test(.requiresRoot)
    func rangesAreWrittenByTheParentWhenRoot() async throws {
        var c = Self.cat("/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups")
        c.idMapping =
            .root
            + IDMapping(
                userRanges: [.range(inner: 1, outer: 100000, count: 65536)],
                groupRanges: [.range(inner: 1, outer: 200000, count: 10)])
        let (out, ending, strategy) = try await Self.output(c)
        #expect(
            out == Self.line(0, 0, 1) + Self.line(1, 100000, 65536) + Self.line(0, 0, 1) + Self.line(1, 200000, 10)
                + "allow\n")
        #expect(ending == .exited(0))
        #expect(strategy == .privilegedHelper)
    }

    @Test(.requiresRoot)
    func userNamespaceWithoutMaps() async throws {
        var c = Self.cat("/proc/self/uid_map")
        c.namespaces = [.user]
        let (out, ending, strategy) = try await Self.output(c)
        #expect(out == "")
        #expect(ending == .exited(0))
        #expect(strategy == MapStrategy.none)
    }

    /// The program is pid 1 of a new PID namespace, through clone3 and through
    /// the clone(2) + pidfd_open fallback; the time namespace too.
    @Test(.requiresRoot, arguments: [false, true])
    func pidAndTimeNamespacesBothClonePaths(fallback: Bool) async throws {
        var c = UnshareCommand("sh", arguments: ["-c", "echo $$; readlink /proc/self/ns/time"])
        c.namespaces = [.pid, .time]
        c._forceCloneFallback = fallback
        let ours = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/time")
        let (out, ending, _) = try await Self.output(c)
        let lines = out.split(separator: "\n")
        #expect(lines.first == "1")
        #expect(lines.count == 2 && lines[1].hasPrefix("time:[") && String(lines[1]) != ours)
        #expect(ending == .exited(0))
    }

    /// Only 0, 1, 2 and the listing's own descriptor reach the program, however
    /// many this process has open; stdin and stdout may swap places.
    @Test(.requiresRoot)
    func onlyStandardDescriptorsReachTheProgram() async throws {
        var held: [Int32] = []
        for _ in 0..<8 { held.append(open("/dev/null", O_RDONLY)) }  // not close-on-exec on purpose
        defer { for fd in held { close(fd) } }
        var c = UnshareCommand("ls", arguments: ["/proc/self/fd"])
        c.idMapping = .root
        let (out, ending, _) = try await Self.output(c)
        #expect(out == "0\n1\n2\n3\n")
        #expect(ending == .exited(0))
    }

    // MARK: Failures, typed

    @Test func unknownProgramIsNotFound() throws {
        let c = UnshareCommand("swift-unshare-no-such-program")
        let error = #expect(
            throws: SpawnError(
                .notFound, strategy: .none,
                failure: Failure(
                    "failed to execute swift-unshare-no-such-program: No such file or directory", exitCode: 127))
        ) { try c.spawn() }
        #expect(error?.errno == Errno(ENOENT))
    }

    @Test func nonExecutableFileIsNotExecutable() throws {
        let dir = Harness.scratch("noexec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/data", contents: Data("x\n".utf8))
        chmod(dir + "/data", 0o644)
        var c = UnshareCommand(ByteString(dir + "/data"))
        c.idMapping = .root
        let error = #expect(
            throws: SpawnError(
                .notExecutable, strategy: .selfWrite,
                failure: Failure("failed to execute \(dir)/data: Permission denied", exitCode: 126))
        ) { try c.spawn() }
        #expect(error?.errno == Errno(EACCES))
    }

    @Test func conflictingRequestStartsNothing() throws {
        var c = UnshareCommand("true")
        c.idMapping = .root
        c.setgroups = .allow
        #expect(
            throws: SpawnError(
                .request, strategy: .none,
                failure: Failure(
                    "options --setgroups=allow and --map-group are mutually exclusive"))
        ) { try c.spawn() }
    }

    @Test func missingWorkingDirectoryIsASetupFailure() throws {
        var c = UnshareCommand("true")
        c.workingDirectory = "/swift-unshare-no-such-dir"
        let error = #expect(
            throws: SpawnError(
                .setup, strategy: .none,
                failure: Failure("cannot change directory to /swift-unshare-no-such-dir: No such file or directory"))
        ) { try c.spawn() }
        #expect(error?.errno == Errno(ENOENT))
    }

    // MARK: Waiting and signals

    @Test func blockingWaitReportsTheExitStatus() throws {
        #expect(try UnshareCommand("true").spawn().waitBlocking() == .exited(0))
        let child = try UnshareCommand("sh", arguments: ["-c", "exit 7"]).spawn()
        #expect(try child.waitBlocking() == .exited(7))
        #expect(try child.waitBlocking() == .exited(7))
    }

    /// A child that waits on a pipe we hold: killed by SIGTERM (SIGKILL when it
    /// is pid 1 of its own PID namespace, where SIGTERM is ignored).
    @Test(.requiresRoot, arguments: [false, true])
    func childKilledBySignal(ownPIDNamespace: Bool) async throws {
        var fds: [Int32] = [-1, -1]
        #expect(cu_spawn_pipe(&fds, 0) == 0)
        defer { close(fds[1]) }
        var c = UnshareCommand("cat")
        c.standardInput = .fd(fds[0])
        if ownPIDNamespace { c.namespaces = [.pid] }
        let child = try c.spawn()
        close(fds[0])
        let signal = ownPIDNamespace ? SIGKILL : SIGTERM
        try child.send(signal: signal)
        #expect(try await child.wait() == .signaled(signal))
        #expect(throws: Errno(ESRCH)) { try child.send(signal: SIGTERM) }
    }

    @Test func twoTasksAwaitTheSameChild() async throws {
        var fds: [Int32] = [-1, -1]
        #expect(cu_spawn_pipe(&fds, 0) == 0)
        var c = UnshareCommand("cat")
        c.standardInput = .fd(fds[0])
        let child = try c.spawn()
        close(fds[0])
        async let first = child.wait()
        async let second = child.wait()
        close(fds[1])  // cat reads end of file and exits 0
        #expect(try await first == .exited(0))
        #expect(try await second == .exited(0))
        #expect(try child.waitBlocking() == .exited(0))
    }

    @Test func signalStateIsResetInTheChild() {
        let r = Harness.run([Self.probe, "signals"])
        #expect(
            r
                == Outcome(
                    stdout: "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nstrategy: none\nending: exited 0\n",
                    stderr: "", ending: .exit(0)))
    }

    // MARK: Many threads at once

    @Test(.requiresRoot)
    func concurrentSpawnsAsRoot() {
        let r = Harness.run([Self.probe, "stress", "32", "20"], timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func concurrentSpawnsAsTester() {
        let r = Harness.run([Self.probe, "stress", "32", "20"], as: .tester, timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    // MARK: Kill on parent death

    /// The probe spawns `cat` (waiting forever) with kill on parent death from a
    /// thread that ends at once, checks it survived that, prints its pid, and is
    /// killed by us: the child must end too.
    @Test(.requiresRoot)
    func killOnParentDeathAsRoot() throws { try Self.killOnParentDeath(runner: .root) }

    @Test(.requiresTester)
    func killOnParentDeathAsTester() throws { try Self.killOnParentDeath(runner: .tester) }

    static func killOnParentDeath(runner: Runner) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments =
            runner == .root
            ? ["--", probe, "pdeath"]
            : ["--reuid=\(runner.rawValue)", "--regid=\(runner.rawValue)", "--init-groups", "--", probe, "pdeath"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let childPID = Int32(text) else {
            process.terminate()
            process.waitUntilExit()
            Issue.record("probe said: \(text)")
            return
        }
        let childFD = cu_pidfd_open(childPID)
        #expect(childFD >= 0)
        defer { close(childFD) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        var p = pollfd(fd: childFD, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 30_000) == 1, "the child outlived its parent")
    }
}
