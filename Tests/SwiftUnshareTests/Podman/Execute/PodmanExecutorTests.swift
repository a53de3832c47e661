// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// podman mode's effects, in podman 4.3.1's order, through the recording fake
/// (no root, no podman): the directories, the pause process joined or
/// started and published, then the command. The default world is
/// PodmanFakeSystem's user (uid 1001, no /run/user/1001, subordinate ranges
/// in both files), so the runtime directory is /tmp/podman-run-1001.
@Suite struct PodmanExecutorTests {
    static let pidFile: ByteString = "/tmp/podman-run-1001/libpod/tmp/pause.pid"

    /// What podman makes first (docs/podman-unshare.md, steps 1, 2 and 6).
    static let directories = [
        "default signal 17",
        "stat /tmp/podman-run-1001", "stat /tmp", "mkdir /tmp/podman-run-1001 700",
        "mkdir /tmp/podman-run-1001/libpod 1700",
        "stat /home/tester/.local/share/containers/storage/libpod", "stat /home/tester/.local/share/containers/storage",
        "stat /home/tester/.local/share/containers", "stat /home/tester/.local/share", "stat /home/tester/.local",
        "stat /home/tester", "mkdir /home/tester/.local 700", "mkdir /home/tester/.local/share 700",
        "mkdir /home/tester/.local/share/containers 700", "mkdir /home/tester/.local/share/containers/storage 700",
        "mkdir /home/tester/.local/share/containers/storage/libpod 700",
        "getcwd",
    ]

    /// The command after the namespaces: looked up, spawned with the signals
    /// forwarded from before the spawn, waited for without reaping while they are.
    static func command(pid: Int32) -> [String] {
        [
            "executable? /usr/bin/id", "forward signals [1, 2, 15]", "spawn /usr/bin/id", "forward to \(pid)",
            "restore signal mask", "wait for \(pid) to end", "forward to 0", "reap \(pid)",
        ]
    }

    /// A world whose pause process (pid 4242, the caller's) is running.
    static func running() -> RecordingPodmanCalls {
        let sys = RecordingPodmanCalls()
        sys.nodes[pidFile] = FileFacts(uid: 1001, mode: 0o100644)
        sys.contents[pidFile] = Array("4242".utf8)
        sys.nodes["/proc/4242"] = FileFacts(uid: 1001, mode: 0o40555)
        return sys
    }

    /// The whole run that joins the running pause process 4242: pinned by a
    /// pidfd while its namespaces are opened, or (`pinned` false) without one.
    static func joining(pinned: Bool) -> [String] {
        directories + [
            "stat \(pidFile)", "open \(pidFile)", "read \(pidFile)", "close \(pidFile)",
            "pidfd_open 4242", "stat /proc/4242", "open /proc/4242/ns/user", "open /proc/4242/ns/mnt",
        ] + (pinned ? ["poll pidfd 4242", "close pidfd 4242"] : []) + [
            "setns /proc/4242/ns/user", "setns /proc/4242/ns/mnt", "become root", "chdir /home/tester/work",
            "close /proc/4242/ns/user", "close /proc/4242/ns/mnt",
        ] + command(pid: 5001)
    }

    @Test func joinsTheRunningPauseProcessThenRunsTheCommand() {
        let sys = Self.running()
        let ending = executePodman(sys)
        #expect(sys.calls == Self.joining(pinned: true))
        #expect(ending == .exit(0))
    }

    @Test func startsAndPublishesAPauseProcessWhenNoneRuns() throws {
        let sys = RecordingPodmanCalls()
        let ending = executePodman(sys)
        #expect(
            sys.calls
                == Self.directories + [
                    "stat \(Self.pidFile)", "read the subid files",
                    "stat /tmp/podman-run-1001/libpod/tmp", "stat /tmp/podman-run-1001/libpod",
                    "mkdir /tmp/podman-run-1001/libpod/tmp 700", "open /dev/null",
                    "open /proc/self/mountinfo", "read /proc/self/mountinfo", "close /proc/self/mountinfo",
                    "executable? /usr/libexec/podman/catatonit",
                    "executable? /usr/bin/newuidmap", "executable? /usr/bin/newgidmap",
                    "spawn catatonit -P in new user,mount namespaces",
                    "mkstemp \(Self.pidFile).XXXXXX", "write \(Self.pidFile).tmp123: 5001",
                    "close \(Self.pidFile).tmp123", "rename \(Self.pidFile).tmp123 to \(Self.pidFile), not replacing",
                    "open /proc/5001/ns/user", "open /proc/5001/ns/mnt",
                    "setns /proc/5001/ns/user", "setns /proc/5001/ns/mnt", "become root", "chdir /home/tester/work",
                    "close /proc/5001/ns/user", "close /proc/5001/ns/mnt", "close /dev/null",
                ] + Self.command(pid: 5002))
        #expect(ending == .exit(0))
        let pause = try #require(sys.spawned.first)
        #expect(pause.argv0 == "catatonit" && pause.namespaces == [.user, .mount] && pause.newSession)
        #expect(pause.propagation == .unchanged && pause.parentDeathSignal == nil)
        #expect(pause._idMapperPaths == ["/usr/bin/newuidmap", "/usr/bin/newgidmap"])
        // podman's lines, as it passes them: the caller's id, then the range end to end.
        #expect(
            pause._idMapperArguments == [
                ["0", "1001", "1", "1", "100000", "65536"], ["0", "1001", "1", "1", "100000", "65536"],
            ])
    }

    @Test func aStalePidFileIsLockedLookedAtOnceMoreAndRemoved() {
        let sys = Self.running()
        sys.nodes["/proc/4242"] = nil  // gone
        _ = executePodman(sys)
        let stale = sys.calls.drop { $0 != "stat /proc/4242" }.prefix(10)
        #expect(
            Array(stale) == [
                "stat /proc/4242", "close pidfd 4242", "create \(Self.pidFile) 644", "lock \(Self.pidFile)",
                "open \(Self.pidFile)", "read \(Self.pidFile)", "close \(Self.pidFile)", "pidfd_open 4242",
                "stat /proc/4242", "close pidfd 4242",
            ])
        #expect(sys.calls.contains("unlink \(Self.pidFile)"))
        #expect(sys.calls.contains("spawn catatonit -P in new user,mount namespaces"))
    }

    /// Where pidfd_open is refused (a kernel before 5.3: ENOSYS; a seccomp
    /// filter: EPERM), the running pause process is still joined, as podman
    /// joins it: never taken for a stale one, its pid file removed and a
    /// second pause process started beside it.
    @Test(arguments: [ENOSYS, EPERM])
    func withoutPidfdsTheRunningPauseProcessIsJoined(_ refused: Int32) {
        let sys = Self.running()
        sys.failures["pidfd_open 4242"] = Errno(refused)
        let ending = executePodman(sys)
        #expect(sys.calls == Self.joining(pinned: false))
        #expect(ending == .exit(0))
    }

    /// ESRCH from pidfd_open: the process is gone, the pid file stale.
    @Test func aPidfdOpenThatFindsNoProcessMeansAStalePidFile() {
        let sys = Self.running()
        sys.failures["pidfd_open 4242"] = Errno(ESRCH)
        _ = executePodman(sys)
        let stale = sys.calls.drop { $0 != "pidfd_open 4242" }.prefix(9)
        #expect(
            Array(stale) == [
                "pidfd_open 4242", "create \(Self.pidFile) 644", "lock \(Self.pidFile)",
                "open \(Self.pidFile)", "read \(Self.pidFile)", "close \(Self.pidFile)", "pidfd_open 4242",
                "unlink \(Self.pidFile)", "close \(Self.pidFile)",
            ])
        #expect(!sys.calls.contains("stat /proc/4242"))
        #expect(sys.calls.contains("spawn catatonit -P in new user,mount namespaces"))
    }

    @Test func anotherCallsPauseProcessWinsTheRaceAndOursIsKilled() {
        let sys = RecordingPodmanCalls()
        let rename = "rename \(Self.pidFile).tmp123 to \(Self.pidFile), not replacing"
        sys.failures[rename] = Errno(EEXIST)
        sys.onCall = { line in  // the other call's pause process is published meanwhile
            guard line == rename else { return }
            sys.nodes[Self.pidFile] = FileFacts(uid: 1001, mode: 0o100644)
            sys.contents[Self.pidFile] = Array("4242".utf8)
            sys.nodes["/proc/4242"] = FileFacts(uid: 1001, mode: 0o40555)
        }
        let ending = executePodman(sys)
        let after = sys.calls.drop { $0 != rename }
        #expect(
            Array(after.prefix(15)) == [
                rename, "unlink \(Self.pidFile).tmp123",
                "stat \(Self.pidFile)", "open \(Self.pidFile)", "read \(Self.pidFile)", "close \(Self.pidFile)",
                "pidfd_open 4242", "stat /proc/4242", "open /proc/4242/ns/user", "open /proc/4242/ns/mnt",
                "poll pidfd 4242", "close pidfd 4242", "kill 5001 with 9", "reap 5001", "setns /proc/4242/ns/user",
            ])
        #expect(ending == .exit(0))
    }

    @Test func theCommandGetsPodmansEnvironmentMaskAndEnding() throws {
        let sys = Self.running()
        sys.endings[5001] = .exited(3)
        #expect(executePodman(sys, args: ["id", "-u"]) == .exit(3))
        let command = try #require(sys.spawned.first)
        #expect(command.executable == "/usr/bin/id" && command.argv0 == "id" && command.arguments == ["-u"])
        // The caller's environment with podman's variables replacing its own.
        let environment = command.environment ?? []
        #expect(environment.prefix(2) == ["PATH=/usr/bin:/bin", "HOME=/home/tester"])
        #expect(!environment.contains("XDG_RUNTIME_DIR=/elsewhere"))
        #expect(environment.contains("XDG_RUNTIME_DIR=/tmp/podman-run-1001"))
        #expect(environment.last == "CONTAINERS_RUNROOT=/tmp/podman-run-1001/containers")
        // SIGINT is one podman handles itself, so it is no longer blocked; SIGUSR1 stays blocked.
        #expect(command.blockedSignals == [SIGUSR1])
        #expect(command.parentDeathSignal == SIGKILL && command._cloneOnCallingThread)
        #expect(command._keepInheritedDescriptors && command._noShellRetry)

        let killed = Self.running()
        killed.endings[5001] = .signaled(SIGTERM)
        #expect(executePodman(killed) == .exit(255))
    }
}
