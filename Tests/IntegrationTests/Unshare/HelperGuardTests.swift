// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Foundation
import Glibc
import Testing

/// Beyond podman and util-linux (docs/podman-unshare.md): swift-unshare or
/// podman-unshare killed while newuidmap hangs leaves no process of the
/// helper's behind, its children included. A fake newuidmap first on PATH
/// starts a child, tells the test both pids (and its target's) through a
/// FIFO, and hangs; the test kills the tool with SIGKILL and waits, on
/// pidfds, for every one of them to end.
@Suite(.serialized) struct HelperGuardTests {
    /// A process watched through a pidfd from before the kill: ended (exited,
    /// a zombie, or already reaped) within `timeout` seconds, or not.
    struct Watched {
        let pid: pid_t
        let fd: Int32

        init(_ pid: pid_t) {
            self.pid = pid
            fd = cu_pidfd_open(pid)
        }

        func ended(within timeout: Double = 10) -> Bool {
            guard fd >= 0 else { return true }  // already gone
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, Int32(timeout * 1000)) == 1
        }

        /// Through the pidfd: never a recycled pid.
        func kill() { if fd >= 0 { _ = cu_spawn_signal(fd, pid, SIGKILL) } }
        func close() { if fd >= 0 { Glibc.close(fd) } }
    }

    /// The parent pid in /proc/<pid>/stat (after the command's closing parenthesis).
    static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// The processes (not zombies) whose environment names `mark`: this run's.
    static func processes(marked mark: String) -> [pid_t] {
        let needle = Data(mark.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { pid in
            FileManager.default.contents(atPath: "/proc/\(pid)/environ")?.range(of: needle) != nil
        }
    }

    /// Runs `argv` as the tester with the hanging fake first on PATH, kills it
    /// once the fake has started its child, and waits for every process of
    /// the run (the helper, its child, its guard, the target it was given:
    /// all that carry the fake's folder in their environment) to end.
    func killWhileNewuidmapHangs(_ argv: [String], extraEnv: [String: String] = [:]) throws {
        let bin = Harness.scratch("helper-guard")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let told = Fifo(bin + "/told")
        Harness.writeExecutable(
            bin + "/newuidmap",
            "#!/bin/sh\nsleep 100000 &\necho \"$$ $! $1\" > \(told.path)\nexec sleep 100001\n")
        let tool = PodmanBackground(
            argv, as: .tester, extraEnv: extraEnv.merging(["PATH": bin + ":/usr/bin:/bin"]) { $1 })
        let line = try #require(told.readLine(), "the fake newuidmap never ran")
        let pids = line.split(separator: " ").compactMap { pid_t($0) }
        try #require(pids.count == 3, "\(line)")
        // The tool runs as a child of the process that is killed, as it would without a guard.
        #expect(Self.parent(of: pids[0]) == tool.pid)
        var watched = ["helper": Watched(pids[0]), "child": Watched(pids[1]), "target": Watched(pids[2])]
        // The guard is started once the tool's exec has begun, so it may come
        // a moment after the tool has spoken: look until it shows.
        let deadline = Date().addingTimeInterval(10)
        repeat {
            for pid in Self.processes(marked: "PATH=" + bin)
            where !pids.contains(pid) && pid != tool.pid && watched["other \(pid)"] == nil {
                watched["other \(pid)"] = Watched(pid)  // the guard
            }
            if watched.count >= 4 { break }
            usleep(1000)
        } while Date() < deadline
        #expect(watched.count >= 4, "no guard process found beside \(watched.keys.sorted())")
        kill(tool.pid, SIGKILL)
        _ = tool.wait()
        for (name, w) in watched.sorted(by: { $0.key < $1.key }) {
            #expect(w.ended(), "\(name) (pid \(w.pid)) outlived the killed tool")
        }
        for w in watched.values {
            w.kill()
            w.close()
        }
    }

    @Test(.requiresTester)
    func theCLIKilledLeavesNoHelperBehind() throws {
        try killWhileNewuidmapHangs([Harness.ours, "-r", "--map-auto", "true"])
    }

    @Test(.requiresPodman)
    func podmanModeKilledLeavesNoHelperNorPauseProcessBehind() throws {
        let box = PodmanSandbox()
        defer { box.finish() }
        try killWhileNewuidmapHangs([Harness.binDir + "/podman-unshare", "true"], extraEnv: box.env)
        #expect(!FileManager.default.fileExists(atPath: box.pidFile))
    }
}
